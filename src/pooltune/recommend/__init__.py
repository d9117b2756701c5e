"""`pooltune recommend`: probe a live API, fit what was measured, recommend pool settings.

`cli` turns flags into settings, `pipeline` runs the stages, `model` holds the contracts
(the report and its parts, and the one `PoolSettings` type) that probe, tune, render and the
monitor share. Kept empty so importing `pooltune.recommend.model` stays cheap.
"""
