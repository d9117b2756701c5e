"""The rule registry: a literal list, so what runs is visible in one place."""

from __future__ import annotations

from pooltune.lint.rule import Rule

ALL_RULES: tuple[type[Rule], ...] = ()

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
