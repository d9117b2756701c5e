"""``--format sarif``: SARIF 2.1.0 for code scanning."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from pooltune import __version__
from pooltune.lint.findings import Finding
from pooltune.lint.report import RULE_DOC_URL, rule_url

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rules() -> list[dict[str, Any]]:
    from pooltune.lint.rules import ALL_RULES

    rules: list[dict[str, Any]] = [
        {
            "id": "POOL000",
            "name": "parse-error",
            "shortDescription": {"text": "The file could not be read or parsed."},
            "helpUri": RULE_DOC_URL.format(code="README"),
            "defaultConfiguration": {"level": "error"},
        }
    ]
    for rule in ALL_RULES:
        rules.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.message},
                "helpUri": rule_url(rule.code),
                "defaultConfiguration": {"level": "error"},
            }
        )
    return rules


def artifact_uri(filename: str) -> str:
    """An RFC 3986 URI reference: `file:///abs/x.py` for an absolute path, else the relative
    path with forward slashes, percent-encoded (spaces, non-ASCII)."""
    path = Path(filename)
    if path.is_absolute():
        return path.as_uri()
    relative = PurePosixPath(*path.parts).as_posix() if path.parts else filename
    # a file name that is not UTF-8 (surrogate escapes) is encoded as the bytes it has on disk
    return quote(relative, safe="/", errors="surrogateescape")


def render_sarif(findings: Sequence[Finding]) -> str:
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for f in findings:
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index.get(f.code, 0),
                "level": "error",
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": artifact_uri(f.filename)},
                            "region": {
                                "startLine": f.location.row,
                                "startColumn": f.location.column,
                                "endLine": f.end_location.row,
                                "endColumn": f.end_location.column,
                            },
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pooltune",
                        "version": __version__,
                        "informationUri": "https://github.com/pooltune/pooltune",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
