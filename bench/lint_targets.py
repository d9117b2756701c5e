"""Issues 10 and 18's engine targets on the real-code corpus, all figures of one run side by side.

On the `bench/realcode/` corpus (18 LLM packages, ~2.3M lines; ``python bench/realcode/fetch.py``):

* floor: ``ast.parse`` of the same files (those ``pooltune lint .`` selects from the corpus root)
  in one process, so on one core: what parsing alone costs on this machine, in this run;
* cold: ``pooltune lint --no-cache`` over the whole tree (wall, CPU of the process tree, peak
  memory of the tree sampled from /proc every 20 ms, as the sum over its processes), and its
  ratio to the floor;
* warm: the same tree again with the cache, nothing changed (second of two cached runs);
* one small file: ``pooltune lint --no-cache FILE``, start-up included, against a bare
  ``python -c 'import ast; ast.parse(...)'`` of the same file (median of a few runs each);
* per file: the engine on every file that reaches the rules (phase two), with the joined facts
  of the whole tree, on two worker processes: the slowest file and the worst time per 1,000
  lines;
* ``--differential``: the whole-module reference engine on the same files, and whether every
  finding is the same (the CI test does this on 44 of these files, ``tests/data/realcode``).

    python bench/lint_targets.py [--corpus bench/realcode/corpus] [--differential] [--no-per-file]

``--before-src DIR`` (the ``src/`` of another checkout, e.g. ``git archive integ src rules``
unpacked) compares that code with this one instead: cold, warm and the one small file, each
run alternately before/after (A B A B) so the load of a shared machine falls on both sides
alike, and every figure also as a ratio (to the floor, to cold, to a bare ``ast.parse``).

A corpus that ``pooltune lint .`` cannot see (none of its files selected: it is missing, or
gitignored or excluded by the project around it, as ``bench/realcode/corpus/`` is inside this
repository) is refused with exit 2 and a one-line message: timing a run that lints nothing
measures nothing. Fetch it outside the repository (``fetch.py --dest /work/corpus/src``).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ONE_FILE_RUNS = 5  # start-up times vary; the median of this many runs of each command
ONE_FILE_TARGET_LINES = 200  # "one small file": the corpus file nearest this many lines

# Parses every file named on stdin with ast.parse, in this one process (one core), and prints
# the wall and CPU seconds of the reading and parsing (start-up left out) and how many files the
# running Python could not parse (counted, not fatal: the floor is the parsing that can happen).
FLOOR_SCRIPT = """
import ast, sys, time, warnings
warnings.simplefilter("ignore")
names = sys.stdin.read().splitlines()
failed = 0
wall, cpu = time.perf_counter(), time.process_time()
for name in names:
    with open(name, "rb") as f:
        data = f.read()
    try:
        ast.parse(data, name)
    except (SyntaxError, ValueError):
        failed += 1
print(time.perf_counter() - wall, time.process_time() - cpu, failed)
"""


class CorpusNotVisible(Exception):
    """pooltune lint would lint none of the corpus's files."""


def linted_files(corpus: Path) -> list[str]:
    """The files ``pooltune lint .`` run from ``corpus`` selects, as the CLI selects them (the
    nearest pyproject.toml's settings, its excludes and every .gitignore above), relative to it."""
    from pooltune.config import load_config
    from pooltune.lint.files import select_files
    from pooltune.lint.settings import LintSettings

    here = os.getcwd()
    os.chdir(corpus)
    try:
        settings = LintSettings.from_config(load_config(None, Path(".")))
        selection = select_files(["."], settings.root, list(settings.exclude))
    finally:
        os.chdir(here)
    return sorted(selection.files)


def check_visible(corpus: Path) -> list[str]:
    if not corpus.is_dir():
        raise CorpusNotVisible(f"{corpus}: no such directory (fetch it: bench/realcode/fetch.py)")
    on_disk = sum(1 for _ in corpus.rglob("*.py"))
    files = linted_files(corpus)
    if not files:
        raise CorpusNotVisible(
            f"{corpus}: pooltune lint . selects 0 of its {on_disk:,} .py files (gitignored or "
            "excluded by the project around it); fetch it outside the repository "
            "(fetch.py --dest DIR) and pass --corpus DIR"
        )
    return files


def _tree_rss_kib(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(stat[1]), []).append(pid)
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def measured(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall, CPU (user+sys of the tree) and peak tree memory (MiB) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # stderr to a file, not a pipe: a worker left behind by a dying run would hold a pipe open
    # and the bench would wait for it forever (seen on a loaded machine).
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _tree_rss_kib(proc.pid))
                stop.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        proc.wait()
        stop.set()
        sampler.join()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        err.seek(0)
        tail = err.read()[-300:].decode(errors="replace")
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}): {tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_mib": peak / 1024}


# -- per file, in worker processes -------------------------------------------------------------


def _summarize(path: str) -> tuple[str, Any]:
    from pooltune.lint.catalog import load_catalog
    from pooltune.lint.source import summarize_bytes
    from pooltune.lint.summaries import module_name_for

    with open(path, "rb") as f:
        data = f.read()
    return path, summarize_bytes(data, path, load_catalog(), module_name_for(path))


def _lint(task: tuple[str, Any, bool]) -> tuple[str, int, float, float, bool, int]:
    """(file, lines, fast seconds, reference seconds, same findings, findings)."""
    from pooltune.lint.catalog import load_catalog
    from pooltune.lint.engine import lint_bytes
    from pooltune.lint.rules import ALL_RULES

    path, view, differential = task
    catalog, codes = load_catalog(), frozenset(r.code for r in ALL_RULES)
    with open(path, "rb") as f:
        data = f.read()
    start = time.process_time()
    fast = lint_bytes(data, path, catalog, codes, view=view)
    fast_s = time.process_time() - start
    ref_s, same = 0.0, True
    if differential:
        start = time.process_time()
        reference = lint_bytes(data, path, catalog, codes, view=view, whole_module=True)
        ref_s = time.process_time() - start
        same = reference.findings == fast.findings
    return path, data.count(b"\n"), fast_s, ref_s, same, len(fast.findings)


def per_file(corpus: Path, differential: bool) -> list[tuple[str, int, float, float, bool, int]]:
    from pooltune.lint.catalog import load_catalog
    from pooltune.lint.summaries import ProjectIndex

    os.chdir(corpus)
    files = sorted(str(p) for p in Path(".").rglob("*.py"))
    with ProcessPoolExecutor(2) as pool:
        summaries = dict(pool.map(_summarize, files, chunksize=64))
        index = ProjectIndex((s.summary for s in summaries.values() if s.summary), load_catalog())
        tasks = [
            (path, index.view_for(s.summary), differential)
            for path, s in summaries.items()
            if s.summary is not None and index.needs_rules(s.summary)
        ]
        tasks.sort(key=lambda t: -os.path.getsize(t[0]))  # largest first: even workers
        return list(pool.map(_lint, tasks, chunksize=1))


def floor(corpus: Path, files: list[str]) -> tuple[dict[str, float], int]:
    """``ast.parse`` of ``files`` in one fresh process (one core): wall and CPU of the parsing,
    and how many files the running Python could not parse."""
    proc = subprocess.run(
        [sys.executable, "-c", FLOOR_SCRIPT],
        cwd=corpus,
        input="\n".join(files).encode(),
        capture_output=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"ast.parse floor failed: {proc.stderr.decode()[-300:]}")
    wall, cpu, failed = proc.stdout.split()
    return {"wall": float(wall), "cpu": float(cpu)}, int(failed)


def _median_wall(cmd: list[str], cwd: Path, runs: int) -> float:
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        walls.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-300:]}")
    return statistics.median(walls)


def one_file(corpus: Path, files: list[str], runs: int) -> tuple[str, int, float, float]:
    """(file, lines, pooltune lint wall, bare ast.parse wall), start-up included in both."""
    sized = [
        (abs((corpus / f).read_bytes().count(b"\n") - ONE_FILE_TARGET_LINES), f) for f in files
    ]
    name = min(sized)[1]
    lines = (corpus / name).read_bytes().count(b"\n")
    lint = [sys.executable, "-m", "pooltune", "lint", "--no-cache", "--exit-zero", name]
    bare = [sys.executable, "-c", f"import ast; ast.parse(open({name!r}, 'rb').read())"]
    return name, lines, _median_wall(lint, corpus, runs), _median_wall(bare, corpus, runs)


def _env_for(src: Path | None) -> dict[str, str]:
    """The environment that runs the pooltune of ``src`` (None: this checkout's)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src if src is not None else HERE.parent / "src")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled bytecode is reused
    return env


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def compare(
    corpus: Path,
    files: list[str],
    before_src: Path,
    rounds: int,
    runs: int,
    small_files: list[str],
    trees: bool = True,
) -> None:
    """Before/after side by side: cold, warm (``trees``) and small files (start-up included),
    interleaved A B A B."""
    sides = {"before": _env_for(before_src), "after": _env_for(None)}
    lint = [sys.executable, "-m", "pooltune", "lint", "--exit-zero", "-q"]
    parse, _ = floor(corpus, files)
    cold: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    for _ in range(rounds if trees else 0):
        for side, env in sides.items():
            cold[side].append(measured([*lint, "--no-cache", "."], corpus, env))
    work = Path(tempfile.mkdtemp(prefix="pooltune-bench-"))
    warm: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    try:
        tree_of = {side: work / side for side in sides}
        for side, env in sides.items():
            if not trees:
                break
            shutil.copytree(corpus, tree_of[side])  # the cache lives in the tree's project
            measured([*lint, "."], tree_of[side], env)  # fills the cache
        for _ in range(runs if trees else 0):
            for side, env in sides.items():
                warm[side].append(measured([*lint, "."], tree_of[side], env))
    finally:
        shutil.rmtree(work)
    if not small_files:  # the corpus file nearest ONE_FILE_TARGET_LINES lines, as above
        sized = [
            (abs((corpus / f).read_bytes().count(b"\n") - ONE_FILE_TARGET_LINES), f) for f in files
        ]
        small_files = [min(sized)[1]]
    one: dict[str, dict[str, list[dict[str, float]]]] = {}
    for name in small_files:
        bare_cmd = [sys.executable, "-c", f"import ast; ast.parse(open({name!r}, 'rb').read())"]
        one[name] = {side: [] for side in ["bare", *sides]}
        for _ in range(runs):
            one[name]["bare"].append(measured(bare_cmd, corpus, sides["after"]))
            for side, env in sides.items():
                one[name][side].append(measured([*lint, "--no-cache", name], corpus, env))

    lines = sum((corpus / f).read_bytes().count(b"\n") for f in files)
    print(
        f"corpus: {corpus.name}, {len(files):,} files, {lines:,} lines; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.1f}; medians of {rounds} cold and {runs} other runs "
        f"per side, interleaved\n"
    )
    print(
        f"floor (`ast.parse`, one process): {parse['wall']:.2f} s wall, {parse['cpu']:.2f} s CPU\n"
    )
    print("| measure | before | after |\n|---|---|---|")

    def cells(label: str, fmt: Callable[[str], str]) -> None:
        print(f"| {label} | {fmt('before')} | {fmt('after')} |")

    def cold_cell(side: str) -> str:
        wall, cpu = _median(cold[side], "wall"), _median(cold[side], "cpu")
        return (
            f"{wall:.1f} s wall ({wall / parse['wall']:.2f}x the floor), {cpu:.1f} s CPU "
            f"({cpu / parse['cpu']:.2f}x), peak {_median(cold[side], 'peak_mib'):.0f} MiB"
        )

    def warm_cell(side: str) -> str:
        wall, cpu = _median(warm[side], "wall"), _median(warm[side], "cpu")
        cold_wall, cold_cpu = _median(cold[side], "wall"), _median(cold[side], "cpu")
        return (
            f"{wall:.2f} s wall (**{100 * wall / cold_wall:.1f}% of cold**), {cpu:.2f} s CPU "
            f"({100 * cpu / cold_cpu:.1f}% of cold's CPU)"
        )

    if trees:
        cells("cold, no cache", cold_cell)
        cells("warm, nothing changed", warm_cell)
    for name, runs_of in one.items():
        bare_wall, bare_cpu = _median(runs_of["bare"], "wall"), _median(runs_of["bare"], "cpu")

        def one_cell(
            side: str,
            runs_of: dict[str, list[dict[str, float]]] = runs_of,
            bare_wall: float = bare_wall,
            bare_cpu: float = bare_cpu,
        ) -> str:
            wall, cpu = _median(runs_of[side], "wall"), _median(runs_of[side], "cpu")
            return (
                f"{1000 * wall:.0f} ms (**{wall / bare_wall:.1f}x**), CPU {1000 * cpu:.0f} ms "
                f"({cpu / bare_cpu:.1f}x)"
            )

        cells(
            f"`lint --no-cache {name}` vs bare `ast.parse` ({1000 * bare_wall:.0f} ms, CPU "
            f"{1000 * bare_cpu:.0f} ms)",
            one_cell,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=HERE / "realcode" / "corpus")
    parser.add_argument("--differential", action="store_true")
    parser.add_argument(
        "--no-per-file", action="store_true", help="skip the per-file engine timings"
    )
    parser.add_argument(
        "--one-file-runs",
        type=int,
        default=ONE_FILE_RUNS,
        help="runs of each one-file command (the median is reported)",
    )
    parser.add_argument(
        "--before-src",
        type=Path,
        help="compare the pooltune of this src/ folder with this checkout's, interleaved",
    )
    parser.add_argument("--rounds", type=int, default=2, help="cold runs per side (--before-src)")
    parser.add_argument("--runs", type=int, default=5, help="other runs per side (--before-src)")
    parser.add_argument(
        "--small-file",
        action="append",
        default=[],
        help="with --before-src: a corpus file (relative) for the one-file rows; repeatable",
    )
    parser.add_argument(
        "--small-files-only",
        action="store_true",
        help="with --before-src: only the one-file rows (no cold or warm tree runs)",
    )
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    try:
        files = check_visible(corpus)
    except CorpusNotVisible as exc:
        print(f"lint_targets: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.before_src is not None:
        compare(
            corpus,
            files,
            args.before_src.resolve(),
            args.rounds,
            args.runs,
            args.small_file,
            trees=not args.small_files_only,
        )
        return
    on_disk = sum(1 for _ in corpus.rglob("*.py"))
    lines = sum((corpus / f).read_bytes().count(b"\n") for f in files)
    pooltune = [sys.executable, "-m", "pooltune", "lint", "--format", "json", "."]
    load = os.getloadavg()[0]

    # Side by side in one run: the floor, then cold, warm and one small file.
    parse, unparsed = floor(corpus, files)
    cold = measured([*pooltune[:4], "--no-cache", *pooltune[4:]], corpus)
    cache = Path(tempfile.mkdtemp(prefix="pooltune-bench-"))
    tree = cache / "tree"
    shutil.copytree(corpus, tree)  # the cache lives in the tree's project: keep the corpus clean
    measured(pooltune, tree)
    warm = measured(pooltune, tree)
    shutil.rmtree(cache)
    small, small_lines, small_lint, small_bare = one_file(corpus, files, args.one_file_runs)
    rows = [] if args.no_per_file else per_file(corpus, args.differential)

    hidden = (
        f" ({on_disk - len(files):,} more on disk not selected)" if on_disk > len(files) else ""
    )
    print(
        f"corpus: {len(files):,} files{hidden}, {lines:,} lines; {os.cpu_count()} cores; "
        f"load average {load:.1f}\n"
    )
    print("| measure | target | result |\n|---|---|---|")
    print(
        f"| floor: `ast.parse` of the same files, one process | | {parse['wall']:.2f} s wall, "
        f"{parse['cpu']:.2f} s CPU"
        + (f" ({unparsed} files this Python cannot parse)" if unparsed else "")
        + " |"
    )
    wall_ratio = cold["wall"] / max(parse["wall"], 1e-3)
    cpu_ratio = cold["cpu"] / max(parse["cpu"], 1e-3)  # steadier than wall on a shared machine
    print(
        f"| cold, whole corpus | <= 1.5x the floor; <= 30 s, <= 600 MB | {cold['wall']:.1f} s "
        f"wall = **{wall_ratio:.2f}x the floor**, {cold['cpu']:.1f} s CPU "
        f"({cpu_ratio:.1f}x the floor's CPU), peak {cold['peak_mib']:.0f} MiB (all processes) |"
    )
    print(
        f"| warm, nothing changed | <= 5% of cold | {warm['wall']:.2f} s "
        f"(**{100 * warm['wall'] / cold['wall']:.1f}% of cold**) |"
    )
    print(
        f"| one small file, start-up included | <= 5x a bare `python -c 'ast.parse'` | "
        f"{small} ({small_lines:,} lines): {small_lint:.2f} s vs {small_bare:.2f} s = "
        f"**{small_lint / small_bare:.1f}x** (median of {args.one_file_runs} each) |"
    )
    if not rows:
        return
    big = [r for r in rows if r[1] >= 1000]
    slowest = max(rows, key=lambda r: r[2])
    worst = max(big, key=lambda r: r[2] / r[1])
    median = statistics.median(1e6 * r[2] / r[1] for r in big)
    print(
        f"| slowest file | <= 0.5 s per 1,000 lines | {slowest[0]}: {slowest[2]:.2f} s for "
        f"{slowest[1]:,} lines ({1e6 * slowest[2] / slowest[1]:.0f} ms per 1,000) |"
    )
    print(
        f"| worst per 1,000 lines (files >= 1,000 lines) | <= 0.5 s | {worst[0]}: "
        f"{1e6 * worst[2] / worst[1]:.0f} ms (median of {len(big)} such files: {median:.0f} ms) |"
    )
    fast_total = sum(r[2] for r in rows)
    print(
        f"| phase two, {len(rows)} files, {sum(r[1] for r in rows):,} lines | | "
        f"{fast_total:.1f} s CPU, {sum(r[5] for r in rows)} findings |"
    )
    if args.differential:
        ref_total = sum(r[3] for r in rows)
        differing = [r[0] for r in rows if not r[4]]
        print(
            f"| reference engine (whole module), same files | identical findings | "
            f"{ref_total:.1f} s CPU ({ref_total / fast_total:.1f}x the fast path); "
            f"{len(differing)} files differ |"
        )
        for path in differing:
            print(f"  differs: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
