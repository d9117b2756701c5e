"""`pooltune recommend`: probe a live API, fit what was measured, recommend pool settings.

`cli` turns flags into settings and `pipeline` runs the stages. The contracts they share with
probe, tune, render and the monitor (the report and its parts, the one `PoolSettings` type) live
in the leaf package `pooltune.model`.
"""
