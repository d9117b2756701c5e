"""Log warnings a person can act on: the pool's advice, each at most once a minute per pool.

Written to the `pooltune.monitor` logger at WARNING (Python prints those to stderr when the
application configured no logging); silence with `logging.getLogger("pooltune.monitor")`.
"""

from __future__ import annotations

from pooltune.monitor.collector import PoolStats
from pooltune.monitor.safety import LOG, report

CHECK_EVERY_S = 10.0  # compute a pool's advice at most this often
REPEAT_AFTER_S = 60.0  # the same warning for the same pool at most this often

_last_check: dict[object, float] = {}
_last_said: dict[tuple[object, str], float] = {}


def warn_checker(stats: PoolStats, now: float) -> None:
    """A hub checker (called at most once a second per pool, and at every failure)."""
    key = stats.key
    if now - _last_check.get(key, -1e9) < CHECK_EVERY_S and not stats.stuck:
        return
    _last_check[key] = now
    try:
        from pooltune.monitor.advice import advice_for

        items = advice_for([stats.snapshot()])
    except Exception as exc:
        report("the warning check", exc)
        return
    for item in items:
        said = (key, item.setting)
        if now - _last_said.get(said, -1e9) < REPEAT_AFTER_S:
            continue
        if item.setting == "library" and said in _last_said:
            continue  # a stuck pool is named once
        _last_said[said] = now
        LOG.warning("pooltune monitor: %s: %s", item.pool, item.why)


def reset() -> None:
    _last_check.clear()
    _last_said.clear()
