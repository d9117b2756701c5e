"""Every rule has a document in ruff's shape; its examples are linted as they stand."""

from __future__ import annotations

import pytest

from pooltune.lint.catalog import load_catalog
from pooltune.lint.docs import SECTIONS, all_rule_docs, load_rule_doc
from pooltune.lint.engine import lint_source
from pooltune.lint.rule import ProjectInfo
from pooltune.lint.rules import RULES_BY_CODE

DOCS = {doc.code: doc for doc in all_rule_docs()}
# A project that declares httpx without h2, so POOL007's example fires.
PROJECT = ProjectInfo(frozenset({"httpx", "aiohttp", "openai", "requests", "fastapi"}))


def _codes(source: str) -> list[str]:
    result = lint_source(source, "example.py", load_catalog(), set(RULES_BY_CODE), PROJECT)
    return [f.code for f in result.findings]


def test_every_rule_has_a_document_and_every_document_a_rule() -> None:
    assert set(DOCS) == set(RULES_BY_CODE)


@pytest.mark.parametrize("code", sorted(RULES_BY_CODE))
def test_document_shape(code: str) -> None:
    doc = load_rule_doc(code)
    assert doc.name == RULES_BY_CODE[code].name
    assert list(doc.sections) == list(SECTIONS)
    assert doc.examples, "an Example section needs a python block"
    assert doc.summary


EXAMPLES = [(code, i, src) for code, doc in DOCS.items() for i, src in enumerate(doc.examples)]
FIXED = [(code, i, src) for code, doc in DOCS.items() for i, src in enumerate(doc.fixed)]


@pytest.mark.parametrize(("code", "index", "source"), EXAMPLES, ids=lambda v: str(v)[:12])
def test_example_produces_exactly_its_rule(code: str, index: int, source: str) -> None:
    codes = _codes(source)
    assert codes and set(codes) == {code}, codes


@pytest.mark.parametrize(("code", "index", "source"), FIXED, ids=lambda v: str(v)[:12])
def test_use_instead_is_clean(code: str, index: int, source: str) -> None:
    assert _codes(source) == []


def test_unknown_rule_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="unknown rule 'POOL999'"):
        load_rule_doc("POOL999")


@pytest.mark.parametrize("code", sorted(RULES_BY_CODE))
def test_the_fix_shown_by_pooltune_rules_is_the_documented_one(code: str) -> None:
    safety = " ".join(load_rule_doc(code).sections["Fix safety"].split())
    offered = RULES_BY_CODE[code].fix_offered
    no_fix = safety.startswith(("There is no automatic fix", "No fix is offered"))
    assert no_fix == (offered is None), safety
    if offered == "unsafe":
        assert "unsafe" in safety.split(".")[0]
    if offered == "safe":
        assert "safe fix" in safety.split(".")[0]
