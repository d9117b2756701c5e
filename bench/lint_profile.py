"""Where the time goes on the largest files that reach libcst: the plan for the sliced-libcst step.

For the N largest files of a corpus that the engine sends to libcst (they call a catalog name),
times each stage the engine runs, in its order, on one core: decode + ast pre-pass, libcst
parse, each metadata provider (resolved one after the other on one wrapper, so a provider's
figure excludes what it depends on and was resolved before it), and the rules' batched visit
with all metadata in place. Figures are per 1,000 lines, on whole modules with libcst's own
providers: the reference path (``whole_module=True``). The fast path slices the module and
replaces Parent, Position and QualifiedName (``bench/lint_targets.py`` times it).

    python bench/lint_profile.py [--corpus /work/corpus/src] [--files 12]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from pooltune.lint.catalog import Catalog, load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.facts import Facts
from pooltune.lint.rule import FileContext, ProjectInfo
from pooltune.lint.rules import ALL_RULES
from pooltune.lint.source import decode_source, imports_catalog_library
from pooltune.lint.summaries import ModuleView, ProjectIndex, summarize

PROVIDERS = (
    ("PositionProvider", PositionProvider),
    ("ParentNodeProvider", ParentNodeProvider),
    ("ScopeProvider", ScopeProvider),
    ("QualifiedNameProvider", QualifiedNameProvider),
)
STAGES = ("ast pre-pass", "libcst parse", *(n for n, _ in PROVIDERS), "rules (visitor)")
MODULE = "profiled"


def phase_one(source: str, catalog: Catalog) -> ModuleView | None:
    """The engine's phase one for a file alone: its summary joined with itself; None when no
    rule can fire (the engine would not parse it with libcst)."""
    import ast

    summary = summarize(ast.parse(source), catalog, f"{MODULE}.py", MODULE, False)
    index = ProjectIndex([summary], catalog)
    return index.view(MODULE) if index.needs_rules(summary) else None


def candidates(corpus: Path, count: int) -> list[tuple[Path, str]]:
    """The largest files (by lines) that the engine would hand to libcst."""
    catalog = load_catalog()
    sized = []
    for path in corpus.rglob("*.py"):
        try:
            size = path.stat().st_size
        except OSError:
            continue
        if 20_000 < size < 2 * 1024 * 1024:
            sized.append((size, path))
    chosen = []
    for _, path in sorted(sized, reverse=True):
        try:
            source = decode_source(path.read_bytes())
            if not imports_catalog_library(source, catalog):
                continue
            if phase_one(source, catalog) is None:
                continue
        except Exception:  # unparsable files are not what we profile
            continue
        chosen.append((path, source))
        if len(chosen) == count:
            break
    return chosen


def profile(source: str) -> dict[str, float]:
    catalog = load_catalog()
    times: dict[str, float] = {}
    start = time.perf_counter()
    view = phase_one(source, catalog) or ModuleView(module=MODULE)
    times["ast pre-pass"] = time.perf_counter() - start

    start = time.perf_counter()
    module = cst.parse_module(source)
    times["libcst parse"] = time.perf_counter() - start

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    for name, provider in PROVIDERS:
        start = time.perf_counter()
        wrapper.resolve(provider)
        times[name] = time.perf_counter() - start

    facts = Facts(module, catalog, view)
    project = ProjectInfo(frozenset({"httpx"}))
    codes = frozenset(rule.code for rule in ALL_RULES)
    context = FileContext(f"{MODULE}.py", module, catalog, project, facts=facts, codes=codes)
    rules = [rule(context) for rule in ALL_RULES]
    start = time.perf_counter()
    with facts.resolve(wrapper):  # metadata already resolved and cached in the wrapper
        facts.position = wrapper.resolve(PositionProvider).__getitem__  # as the reference does
        facts.collect()
        wrapper.visit_batched(rules)
    times["rules (visitor)"] = time.perf_counter() - start

    start = time.perf_counter()
    lint_source(source, f"{MODULE}.py", catalog, codes, project)
    times["engine"] = time.perf_counter() - start  # the real thing, as a check on the sum
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/corpus/src"))
    parser.add_argument("--files", type=int, default=12)
    args = parser.parse_args()
    sys.setrecursionlimit(10_000)
    files = candidates(args.corpus, args.files)
    if not files:
        raise SystemExit(f"no file under {args.corpus} reaches libcst")
    rows = []
    totals = dict.fromkeys(STAGES, 0.0)
    total_lines = 0
    for path, source in files:
        lines = source.count("\n") + 1
        times = profile(source)
        rows.append((path, lines, times))
        total_lines += lines
        for stage in STAGES:
            totals[stage] += times[stage]

    print(f"load average {os.getloadavg()[0]:.2f}; one core; {len(files)} files, ")
    print(f"{total_lines:,} lines; ms per 1,000 lines\n")
    print("| file | lines | " + " | ".join(STAGES) + " | total | lint_source |")
    print("|---|---|" + "---|" * (len(STAGES) + 2))
    engine_total = 0.0
    for path, lines, times in rows:
        per = [times[s] * 1e6 / lines for s in STAGES]
        name = "/".join(path.relative_to(args.corpus).parts[:1] + path.parts[-1:])
        cells = " | ".join(f"{v:.0f}" for v in per)
        engine = times["engine"] * 1e6 / lines
        engine_total += times["engine"]
        print(f"| {name} | {lines:,} | {cells} | {sum(per):.0f} | {engine:.0f} |")
    per = [totals[s] * 1e6 / total_lines for s in STAGES]
    share = [100 * v / sum(per) for v in per]
    print(f"| **all** | {total_lines:,} | " + " | ".join(f"{v:.0f}" for v in per), end="")
    print(f" | {sum(per):.0f} | {engine_total * 1e6 / total_lines:.0f} |")
    print("| share of the time | | " + " | ".join(f"{v:.0f}%" for v in share) + " | | |")
    median = statistics.median(t["engine"] for _, _, t in rows)
    print(f"\nmedian file: {median:.2f} s in lint_source")


if __name__ == "__main__":
    main()
