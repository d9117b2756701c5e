"""The rule documents in rules/POOL0xx.md: ruff's shape, with code examples the tests lint."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pooltune.lint.catalog import catalog_dir

SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fix safety",
    "References",
)
_TITLE = re.compile(r"^# (POOL\d{3}) ([a-z0-9-]+)\s*$", re.M)
_SECTION = re.compile(r"^## (.+?)\s*$", re.M)
_CODE = re.compile(r"```python\n(.*?)```", re.S)


class UnknownRuleError(KeyError):
    def __str__(self) -> str:
        return f"unknown rule {self.args[0]!r} (see `pooltune rules`)"


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    text: str
    sections: dict[str, str]

    @property
    def summary(self) -> str:
        what = " ".join(self.sections.get("What it does", "").split())
        return what.split(". ")[0].rstrip(".") + "." if what else ""

    @property
    def examples(self) -> list[str]:
        return _CODE.findall(self.sections.get("Example", ""))

    @property
    def fixed(self) -> list[str]:
        return _CODE.findall(self.sections.get("Use instead", ""))


def parse_rule_doc(text: str) -> RuleDoc:
    title = _TITLE.search(text)
    if title is None:
        raise ValueError("a rule document starts with '# POOLnnn rule-name'")
    parts = _SECTION.split(text)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return RuleDoc(title.group(1), title.group(2), text, sections)


def load_rule_doc(code: str) -> RuleDoc:
    code = code.strip().upper()
    path = catalog_dir() / f"{code}.md"
    if not re.fullmatch(r"POOL\d{3}", code) or not path.is_file():
        raise UnknownRuleError(code)
    return parse_rule_doc(path.read_text(encoding="utf-8"))


def all_rule_docs() -> list[RuleDoc]:
    return [
        parse_rule_doc(p.read_text(encoding="utf-8"))
        for p in sorted(catalog_dir().glob("POOL[0-9][0-9][0-9].md"))
    ]
