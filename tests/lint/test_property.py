"""Generated programs never crash the linter (hypothesmith builds valid Python source)."""

from __future__ import annotations

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.rules import RULES_BY_CODE

# Prefixing an import of every catalog library forces the full libcst path for each program.
HEADER = "import httpx, aiohttp, requests, openai\nfrom httpx import AsyncClient as C\n"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(source=st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()))
def test_linter_never_crashes_on_generated_programs(source: str) -> None:
    result = lint_source(HEADER + source, "gen.py", load_catalog(), set(RULES_BY_CODE))
    for finding in result.findings:
        assert finding.location.row >= 1


@settings(max_examples=60, deadline=None)
@given(source=st.text(max_size=200))
def test_linter_never_crashes_on_arbitrary_text(source: str) -> None:
    result = lint_source(HEADER + source, "gen.py", load_catalog(), set(RULES_BY_CODE))
    assert all(f.code.startswith("POOL") for f in result.findings)
