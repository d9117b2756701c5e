"""Rule cases beside their rules, as Fixit's VALID/INVALID: real-shaped code, and for each
finding its exact range and message. ``tests/lint/test_rule_cases.py`` lints every case (its
files written as one tree, so factories and callers in other modules are joined) and compares.

One module per rule (``cases/pool001.py`` for POOL001), each with ``VALID`` and ``INVALID``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class Expect(NamedTuple):
    """One finding of the case's rule in the case's file: 1-based lines and columns."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str


@dataclass(frozen=True)
class Valid:
    """Code the rule must not report."""

    source: str
    why: str  # what the case stands for (a false-positive class, a design rule)
    path: str = "app/main.py"  # where ``source`` lives in the tree
    files: Mapping[str, str] = field(default_factory=dict)  # other modules of the tree


@dataclass(frozen=True)
class Invalid(Valid):
    """Code the rule must report, exactly as ``expected`` says."""

    expected: tuple[Expect, ...] = ()
