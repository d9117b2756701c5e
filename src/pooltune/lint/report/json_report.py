"""``--format json``: a JSON array with ruff-compatible keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pooltune.lint.findings import Finding, Location
from pooltune.lint.report import rule_url


def _loc(loc: Location) -> dict[str, int]:
    return {"row": loc.row, "column": loc.column}


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "message": f.message,
        "filename": f.filename,
        "location": _loc(f.location),
        "end_location": _loc(f.end_location),
        "fix": None
        if f.fix is None
        else {
            "message": f.fix.message,
            "applicability": f.fix.applicability,
            "edits": [
                {
                    "content": e.content,
                    "location": _loc(e.location),
                    "end_location": _loc(e.end_location),
                }
                for e in f.fix.edits
            ],
        },
        "url": rule_url(f.code) if f.code != "POOL000" else None,
    }


def render_json(findings: Sequence[Finding]) -> str:
    return json.dumps([finding_to_dict(f) for f in findings], indent=2) + "\n"
