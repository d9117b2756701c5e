"""The static analyzer: files -> parse -> metadata -> rules -> findings -> reporters."""
