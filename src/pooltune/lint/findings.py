"""What a lint run produces: findings, each with an optional fix made of text edits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True, order=True)
class Location:
    """1-based row and 1-based column, as ruff reports them."""

    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between two locations with `content`.

    `filename` names another file of the same run for a fix that spans files (POOL001's hoist
    edits the handler's module and the app's); None is the finding's own file. A fix is applied
    whole or not at all.
    """

    content: str
    location: Location
    end_location: Location
    filename: str | None = None


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]
    applicability: Applicability = "safe"


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    filename: str
    location: Location
    end_location: Location
    fix: Fix | None = field(default=None, compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.filename, self.location.row, self.location.column, self.code)


# -- the one serializer (JSON report and cache) ------------------------------------------------


def _loc(loc: Location) -> dict[str, int]:
    return {"row": loc.row, "column": loc.column}


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """ruff's JSON keys: code, message, filename, location, end_location, fix."""
    fix = finding.fix
    return {
        "code": finding.code,
        "message": finding.message,
        "filename": finding.filename,
        "location": _loc(finding.location),
        "end_location": _loc(finding.end_location),
        "fix": None
        if fix is None
        else {
            "message": fix.message,
            "applicability": fix.applicability,
            "edits": [
                {
                    "content": e.content,
                    "location": _loc(e.location),
                    "end_location": _loc(e.end_location),
                    **({"filename": e.filename} if e.filename is not None else {}),
                }
                for e in fix.edits
            ],
        },
    }


def finding_from_dict(raw: dict[str, Any], filename: str | None = None) -> Finding:
    """The inverse of :func:`finding_to_dict` (``filename`` replaces the stored one)."""
    fix = raw.get("fix")
    return Finding(
        raw["code"],
        raw["message"],
        filename if filename is not None else raw["filename"],
        Location(**raw["location"]),
        Location(**raw["end_location"]),
        Fix(
            fix["message"],
            tuple(
                Edit(
                    e["content"],
                    Location(**e["location"]),
                    Location(**e["end_location"]),
                    e.get("filename"),
                )
                for e in fix["edits"]
            ),
            fix["applicability"],
        )
        if fix
        else None,
    )
