"""Lint speed on real code: pooltune cold and warm, Fixit, and raw libcst.parse_module.

Copies the installed sources of a few HTTP packages into a temporary corpus (so nothing is
excluded as site-packages), then in one run measures each tool on the same files. Prints a
markdown table; rerun any time:

    python bench/lint_bench.py [--packages httpx httpcore requests urllib3 aiohttp openai]

With ``--compare OTHER/src`` (another checkout's sources, e.g. a worktree at an older commit),
the cold run of both is timed on the same corpus, interleaved ``--rounds`` times, in one run:

    git worktree add --detach ../base 77f8903
    python bench/lint_bench.py --compare ../base/src --rounds 5 --skip-fixit
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
from pathlib import Path

DEFAULT_PACKAGES = ["httpx", "httpcore", "requests", "urllib3", "aiohttp", "openai", "anthropic"]


def build_corpus(packages: list[str], root: Path) -> list[Path]:
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            print(f"skipping {name}: not installed", file=sys.stderr)
            continue
        shutil.copytree(next(iter(spec.submodule_search_locations)), root / name)
    return sorted(root.rglob("*.py"))


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and the child's peak RSS (KiB) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-300:]}")
    return wall, max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)


def parse_all_one_core(files: list[Path]) -> float:
    code = (
        "import sys, libcst\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n"
        "        libcst.parse_module(open(p, 'rb').read())\n"
        "    except Exception:\n"
        "        pass\n"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *map(str, files)], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", nargs="*", default=DEFAULT_PACKAGES)
    parser.add_argument("--skip-fixit", action="store_true")
    parser.add_argument("--compare", type=Path, help="another checkout's src/ to time side by side")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pooltune-bench-") as tmp:
        root = Path(tmp)
        files = build_corpus(args.packages, root / "corpus")
        lines = sum(len(p.read_bytes().splitlines()) for p in files)
        pooltune = [sys.executable, "-m", "pooltune", "lint", "--exit-zero", "-q"]
        cold, cold_rss = timed([*pooltune, "--no-cache", "corpus"], root)
        timed([*pooltune, "corpus"], root)  # fill the cache
        warm, _ = timed([*pooltune, "corpus"], root)
        five = [str(p.relative_to(root)) for p in files if "client" in p.name][:5]
        five_wall = min(timed([*pooltune, "--no-cache", *five], root)[0] for _ in range(3))
        parse = parse_all_one_core(files)
        rows = [
            ("pooltune lint, cold (process pool, 2 cores)", cold, f"{cold_rss / 1024:.0f} MiB"),
            ("pooltune lint, warm (cache)", warm, ""),
            ("libcst.parse_module over all files, 1 core", parse, ""),
        ]
        if not args.skip_fixit and shutil.which("fixit"):
            fixit, _ = timed(["fixit", "lint", "corpus"], root)
            rows.append(("Fixit 2 default rules (`fixit lint`)", fixit, ""))
        print(f"corpus: {', '.join(args.packages)}: {len(files)} files, {lines} lines\n")
        print("| run | seconds | files/s | peak memory |")
        print("|---|---|---|---|")
        for name, seconds, memory in rows:
            print(f"| {name} | {seconds:.2f} | {len(files) / seconds:.0f} | {memory} |")
        print(
            f"| pooltune lint on 5 files (pre-commit case, incl. start-up) | {five_wall:.2f} | | |"
        )
        print(f"\nwarm/cold = {warm / cold:.1%}")
        if args.compare is not None:
            compare(args.compare.resolve(), root, pooltune, args.rounds)


def compare(other_src: Path, root: Path, pooltune: list[str], rounds: int) -> None:
    """Cold runs of this checkout and ``other_src``, interleaved so load affects both alike."""
    here = str(Path(__file__).resolve().parents[1] / "src")
    envs = {
        "this checkout": {**os.environ, "PYTHONPATH": here},
        str(other_src.parent): {**os.environ, "PYTHONPATH": str(other_src)},
    }
    times: dict[str, list[float]] = {name: [] for name in envs}
    for _ in range(rounds):
        for name, env in envs.items():
            times[name].append(timed([*pooltune, "--no-cache", "corpus"], root, env)[0])
    print("\n| cold run (interleaved) | min s | median s | runs |")
    print("|---|---|---|---|")
    for name, values in times.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"| {name} | {min(values):.2f} | {statistics.median(values):.2f} | {runs} |")


if __name__ == "__main__":
    main()
