"""Apply a profile to files: each file's constructor edits become one fix, applied by the lint
fix engine (:func:`pooltune.lint.fix.fix_files`: its line counting, encodings, checks of every
rewritten file, atomic writes, and files changed on disk left alone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pooltune.fix_profile.constructors import profile_edits
from pooltune.fix_profile.profile import Profile
from pooltune.lint.catalog import load_catalog
from pooltune.lint.findings import Finding, Fix, Location
from pooltune.lint.hoist.parsed import ParsedModule

PROFILE_CODE = "PROFILE"  # the pseudo-rule the profile's fixes are filed under


@dataclass
class ProfileOutcome:
    matched: int = 0  # constructors of the profiled library (at its origin)
    changed: int = 0  # of which the profile changed (the others already carry it)
    diff: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each
    write_failed: bool = False


def apply_profile(filenames: Sequence[str], profile: Profile, *, write: bool) -> ProfileOutcome:
    from pooltune.lint.fix import fix_files
    from pooltune.lint.fixio import FixIOError, decode, read_bytes
    from pooltune.lint.source import imports_catalog_library

    catalog = load_catalog()
    outcome = ProfileOutcome()
    sources: dict[str, bytes] = {}
    findings: list[Finding] = []
    changed: dict[str, int] = {}
    for filename in filenames:
        try:
            data = read_bytes(filename)
            text = decode(data).text
        except (OSError, FixIOError) as exc:
            outcome.problems.append(f"pooltune: warning: {filename}: skipped: {exc}")
            continue
        if not imports_catalog_library(text, catalog):
            continue
        parsed = ParsedModule.parse(filename, text)
        if parsed is None:
            outcome.problems.append(f"pooltune: warning: {filename}: skipped: does not parse")
            continue
        edits = profile_edits(parsed, profile, catalog)
        outcome.matched += edits.matched
        if not edits.edits:
            continue
        sources[filename] = data
        changed[filename] = edits.changed
        findings.append(
            Finding(
                PROFILE_CODE,
                f"settings from {profile.name}",
                filename,
                Location(1, 1),
                Location(1, 1),
                Fix(f"Write the settings of {profile.name}", tuple(edits.edits), "safe"),
            )
        )
    if not findings:
        return outcome
    names = list(sources)
    result = fix_files(
        names,
        dict.fromkeys(names, frozenset[str]()),  # no rule runs again: only these fixes apply
        None,
        findings,
        sources,
        unsafe=False,
        write=write,
        test_ignore=(),
    )
    outcome.problems.extend(problem.line() for problem in result.problems)
    outcome.write_failed = result.write_failed
    applied = {name for name in names if not any(p.filename == name for p in result.problems)}
    outcome.changed = sum(changed[name] for name in applied) if result.fixed else 0
    outcome.diff = result.diff
    return outcome
