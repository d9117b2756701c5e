"""POOL001's hoist: a client built per request in a FastAPI/Starlette handler becomes one client
of the app, created in its lifespan, stored on `app.state`, closed at shutdown, and reached in the
handler as `request.app.state.<name>`.

A fix that spans modules (the handler's and the app's) needs more than one file's rules can see,
so it is planned after the run, from its findings and files (:func:`attach_hoist_fixes`), and
recomputed on every run (the cache keeps findings per file; this fix depends on two files).
Where the client stays, the finding says why. libcst is imported only when a finding is in a
file that names a framework the hoist knows.
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
    local: bool = False,
) -> list[Finding]:
    """The findings, POOL001's in FastAPI/Starlette handlers given a hoist fix (or the reason
    why not in their message); with ``local`` (when fixing: it parses every file with a
    finding), also the hoists out of loops and to module level (:mod:`.local`)."""
    candidates = {f.filename for f in findings if f.code == CODE and f.fix is None}
    if not candidates:
        return findings
    if not local and not any(
        (source := read(filename)) is not None and any(m in source for m in FRAMEWORK_MARKERS)
        for filename in candidates
    ):
        return findings
    from pooltune.lint.hoist.plan import plan_hoists

    try:
        return plan_hoists(findings, filenames, read, catalog, local)
    except Exception:  # a bug of ours in the planner: the findings stand, without the hoist
        return findings
