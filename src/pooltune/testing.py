"""pytest plugin: fixtures that start `pooltune sim` (registered via the pytest11 entry point)."""
