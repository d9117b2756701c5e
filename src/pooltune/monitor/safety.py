"""The monitor's own failures: logged once per place, never raised into the application."""

from __future__ import annotations

import contextlib
import logging

LOG = logging.getLogger("pooltune.monitor")
_reported: set[str] = set()


def report(where: str, exc: BaseException) -> None:
    """Log a failure inside the monitor once per ``where``; the request goes on untouched."""
    if where in _reported:
        return
    _reported.add(where)
    with contextlib.suppress(Exception):  # a broken logging setup must not break the app
        LOG.warning(
            "pooltune monitor: %s failed (%s: %s); the application is unaffected, only the "
            "monitor's figures may be incomplete",
            where,
            type(exc).__name__,
            exc,
        )
