"""Start-up, one small file and the warm cache: before and after, side by side in one run.

hyperfine-like: each command runs N times as a subprocess, timed with ``time.perf_counter``
(wall) and ``RUSAGE_CHILDREN`` (CPU, less sensitive to other load on a shared machine); the
table gives the median (and the minimum) of each. "before" is another checkout with its own
virtualenv, made like the development one:

    git worktree add --detach ../before 77f8903
    python -m venv --system-site-packages V && V/bin/pip install --no-deps -e ../before
    python bench/lint_startup.py --before V/bin/python [--after .venv/bin/python] [-n 15]

The tree for the warm measurement is the first 232 modules of the installed openai package
(a project of its own, so nothing in it is excluded as site-packages), copied once per side.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SMALL_FILE = """import httpx


async def fetch(url: str) -> bytes:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, pool=None)) as client:
        response = await client.get(url)
        return response.content
"""
PLAIN_FILE = "def add(a: int, b: int) -> int:\n    return a + b\n"
TREE_FILES = 232


@dataclass(frozen=True)
class Timing:
    wall: list[float]
    cpu: list[float]

    def cell(self) -> str:
        wall, cpu = statistics.median(self.wall), statistics.median(self.cpu)
        return f"{wall * 1000:.0f} ms (min {min(self.wall) * 1000:.0f}, cpu {cpu * 1000:.0f})"

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


def run_once(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(
    cmd: list[str], cwd: Path, n: int, env: dict[str, str], prepare: object = None
) -> Timing:
    run_once(cmd, cwd, env)  # warm the OS page cache and .pyc files
    walls, cpus = [], []
    for _ in range(n):
        if callable(prepare):
            prepare()
        wall, cpu = run_once(cmd, cwd, env)
        walls.append(wall)
        cpus.append(cpu)
    return Timing(walls, cpus)


def build_tree(dest: Path) -> int:
    spec = importlib.util.find_spec("openai")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the warm-cache tree is built from the installed openai package")
    source = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(p for p in source.rglob("*.py") if "__pycache__" not in p.parts)
    lines = 0
    for path in files[:TREE_FILES]:
        target = dest / "openai" / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        lines += path.read_text(encoding="utf-8").count("\n")
    (dest / "pyproject.toml").write_text('[project]\nname = "tree"\ndependencies = ["httpx"]\n')
    return lines


def pooltune(python: str) -> list[str]:
    return [python, "-m", "pooltune"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="python of the 'before' checkout")
    parser.add_argument("--after", default=sys.executable, help="python of this checkout")
    parser.add_argument("-n", type=int, default=15, help="runs per measurement")
    parser.add_argument("--before-label", default="before", help="e.g. the before commit")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["NO_COLOR"] = "1"

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "pyproject.toml").write_text('[project]\nname = "w"\ndependencies = ["httpx"]\n')
        (work / "small.py").write_text(SMALL_FILE)
        (work / "plain.py").write_text(PLAIN_FILE)
        trees = {side: work / f"tree-{side}" for side in ("before", "after")}
        lines = 0
        for tree in trees.values():
            lines = build_tree(tree)

        rows: list[tuple[str, dict[str, Timing]]] = []

        def row(label: str, make: object, n: int = args.n, prepare: object = None) -> None:
            cells = {}
            for side, python in (("before", args.before), ("after", args.after)):
                cmd, cwd = make(side, python)  # type: ignore[operator]
                cells[side] = measure(cmd, cwd, n, env, prepare)
            rows.append((label, cells))

        row("`python -c pass` (interpreter alone)", lambda s, py: ([py, "-c", "pass"], work))
        row("`pooltune --help`", lambda s, py: ([*pooltune(py), "--help"], work))
        row("`pooltune lint --help`", lambda s, py: ([*pooltune(py), "lint", "--help"], work))
        row(
            "`pooltune lint small.py` (7 lines, a finding, changed: --no-cache)",
            lambda s, py: ([*pooltune(py), "lint", "--no-cache", "small.py"], work),
        )
        row(
            "`pooltune lint plain.py` (imports no HTTP library, --no-cache)",
            lambda s, py: ([*pooltune(py), "lint", "--no-cache", "plain.py"], work),
        )

        def clear_caches() -> None:
            for tree in trees.values():
                shutil.rmtree(tree / ".pooltune_cache", ignore_errors=True)

        cold_n = max(3, args.n // 5)
        row(
            f"cold, {TREE_FILES} files ({lines:,} lines), no cache yet",
            lambda s, py: ([*pooltune(py), "lint", "--exit-zero", "."], trees[s]),
            cold_n,
            clear_caches,
        )
        row(
            f"warm, {TREE_FILES} files, nothing changed",
            lambda s, py: ([*pooltune(py), "lint", "--exit-zero", "."], trees[s]),
        )

    load = os.getloadavg()
    print(f"load average before/after the run: see `uptime`; at the end {load[0]:.2f}")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.n} runs per row\n")
    print(f"| measure | {args.before_label} | after |")
    print("|---|---|---|")
    for label, cells in rows:
        print(f"| {label} | {cells['before'].cell()} | {cells['after'].cell()} |")
    cold = dict(rows[-2][1])
    warm = dict(rows[-1][1])
    for side in ("before", "after"):
        share = warm[side].median / cold[side].median
        print(f"\nwarm/cold {side}: {share:.0%}", end="")
    print()


if __name__ == "__main__":
    main()
