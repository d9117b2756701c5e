"""Apply a profile to files: each file's constructor edits become one fix, applied through the
lint fix engine (its offsets, its encodings, its checks)."""

from __future__ import annotations

import difflib
import io
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pooltune.fix_profile.constructors import profile_edits
from pooltune.fix_profile.profile import Profile
from pooltune.lint.catalog import load_catalog
from pooltune.lint.findings import Finding, Fix, Location
from pooltune.lint.hoist.parsed import ParsedModule

PROFILE_CODE = "PROFILE"  # the pseudo-rule the profile's fixes are filed under


@dataclass
class ProfileOutcome:
    matched: int = 0
    changed: int = 0
    diff: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def apply_profile(filenames: Sequence[str], profile: Profile, *, write: bool) -> ProfileOutcome:
    from pooltune.lint.fix import apply_fixes
    from pooltune.lint.source import imports_catalog_library

    catalog = load_catalog()
    outcome = ProfileOutcome()
    for filename in filenames:
        try:
            data = Path(filename).read_bytes()
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            source = data.decode(encoding)
        except (OSError, SyntaxError, LookupError, UnicodeDecodeError) as exc:
            outcome.warnings.append(f"{filename}: skipped: cannot read ({exc})")
            continue
        if not imports_catalog_library(source, catalog):
            continue
        parsed = ParsedModule.parse(filename, source)
        if parsed is None:
            outcome.warnings.append(f"{filename}: skipped: does not parse")
            continue
        edits = profile_edits(parsed, profile, catalog)
        outcome.matched += edits.matched
        if not edits.edits:
            continue
        finding = Finding(
            PROFILE_CODE,
            f"settings from {profile.name}",
            filename,
            Location(1, 1),
            Location(1, 1),
            Fix(f"Write the settings of {profile.name}", tuple(edits.edits), "safe"),
        )
        fixed, applied = apply_fixes(source, [finding], unsafe=True)
        if applied == 0 or ParsedModule.parse(filename, fixed) is None:
            outcome.warnings.append(f"{filename}: skipped: the edits did not apply cleanly")
            continue
        outcome.changed += edits.changed
        if write:
            Path(filename).write_bytes(fixed.encode(encoding))
        else:
            outcome.diff.extend(
                difflib.unified_diff(
                    source.splitlines(keepends=True),
                    fixed.splitlines(keepends=True),
                    f"a/{filename}",
                    f"b/{filename}",
                )
            )
    return outcome
