"""``--format json``: a JSON array with ruff-compatible keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pooltune.lint.findings import Finding, finding_to_dict
from pooltune.lint.report import rule_url


def finding_to_json(f: Finding) -> dict[str, Any]:
    return {**finding_to_dict(f), "url": rule_url(f.code) if f.code != "POOL000" else None}


def render_json(findings: Sequence[Finding]) -> str:
    return json.dumps([finding_to_json(f) for f in findings], indent=2) + "\n"
