"""Reporters: findings in, text out. Reporters never analyse."""

from __future__ import annotations

RULE_DOC_URL = "https://github.com/pooltune/pooltune/blob/main/rules/{code}.md"


def rule_url(code: str) -> str:
    return RULE_DOC_URL.format(code=code)
