"""pooltune: find and fix HTTP connection-pool anti-patterns, and tune pools against a live API."""

__version__ = "0.1.0"
