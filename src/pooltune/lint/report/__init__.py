"""lint/report."""
