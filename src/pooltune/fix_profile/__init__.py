"""`pooltune fix --profile`: the settings `pooltune recommend` measured, written into the code."""
