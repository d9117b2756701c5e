"""POOL001's hoist: a client built per request in a FastAPI/Starlette handler becomes one client
of the app, created in its lifespan, stored on `app.state`, closed at shutdown, and reached in the
handler as `request.app.state.<name>`.

A fix that spans modules (the handler's and the app's) needs more than one file's rules can see,
so it is planned after the run, from its findings and files (:func:`attach_hoist_fixes`), and
planned when fixing (`--fix`, `--diff`: it reads and parses the files with a finding, which a
plain run, warm from the cache, never does), and never cached (a hoist depends on two files).
Where a handler's client stays, the finding says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pooltune.lint.catalog import Catalog
from pooltune.lint.findings import Finding

CODE = "POOL001"
FRAMEWORK_MARKERS = ("fastapi", "starlette")


def attach_hoist_fixes(
    findings: list[Finding],
    filenames: Sequence[str],
    read: Callable[[str], str | None],
    catalog: Catalog,
) -> list[Finding]:
    """The findings, POOL001's given a hoist fix where one applies: into the app's lifespan in
    FastAPI/Starlette handlers (or the reason why not in the message), out of loops, to module
    level (:mod:`.local`)."""
    if not any(f.code == CODE and f.fix is None for f in findings):
        return findings
    from pooltune.lint.hoist.plan import plan_hoists

    try:
        return plan_hoists(findings, filenames, read, catalog)
    except Exception:  # a bug of ours in the planner: the findings stand, without the hoist
        return findings
