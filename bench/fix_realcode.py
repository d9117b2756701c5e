"""Every fix on real packages: `pooltune lint --fix --unsafe-fixes` on a copy of each, then
checks that nothing broke (issue 19).

For each package of the real-code corpus (``python bench/realcode/fetch.py``): the findings and
how many carry a fix (safe, unsafe); the fixes applied; the fixes refused, with the engine's
reason (stderr); every file the fixes changed must still compile (``compile()``) and parse with
libcst when it did before; a second ``--fix --unsafe-fixes`` must change no file. A failure is a
changed file that no longer compiles or parses, a second run that changes something, or a
traceback. Prints a markdown table (bench/results/lint.md keeps one).

    python bench/fix_realcode.py [--corpus bench/realcode/corpus] [PACKAGE ...]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_PACKAGES = ("langchain-community", "smolagents", "dspy", "autogen-ext", "llama-index-core")
REFUSED = re.compile(r"^pooltune: warning: .*?: \d+:\d+: (POOL\d+) fix not applied: (.*)$")
FIXED = re.compile(r"\((\d+) fixed, (\d+) remaining\)")


@dataclass
class PackageResult:
    name: str
    files: int = 0
    findings: int = 0
    safe: int = 0
    unsafe: int = 0
    fixed: int = 0
    fixed_by_code: collections.Counter[str] = field(default_factory=collections.Counter)
    refused: collections.Counter[str] = field(default_factory=collections.Counter)
    still_fixable: int = 0
    changed_files: int = 0
    failures: list[str] = field(default_factory=list)


def _pooltune(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pooltune", "lint", "--no-cache", *args, "."],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def _hashes(root: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.py"))}


def _problem(path: Path) -> str | None:
    """Why the file does not compile or libcst cannot parse it (None: both fine)."""
    import libcst as cst

    from pooltune.lint.source import decode_source

    try:
        text = decode_source(path.read_bytes())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, str(path), "exec", dont_inherit=True)
        cst.parse_module(text)
    except Exception as exc:  # any reason is a finding of this bench
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def _findings(root: Path) -> list[dict[str, object]]:
    proc = _pooltune("--format", "json", cwd=root)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"lint failed: {proc.stderr.strip()[-500:]}")
    found: list[dict[str, object]] = json.loads(proc.stdout)
    return found


def run_package(source: Path, scratch: Path) -> PackageResult:
    result = PackageResult(source.name)
    copy = scratch / source.name
    shutil.copytree(source, copy, symlinks=True)
    before = _hashes(copy)
    result.files = len(before)
    problems_before = {p: _problem(p) for p in before}
    findings = _findings(copy)
    result.findings = len(findings)
    for f in findings:
        fix = f.get("fix")
        if isinstance(fix, dict):
            result.safe += fix["applicability"] == "safe"
            result.unsafe += fix["applicability"] == "unsafe"

    proc = _pooltune("--fix", "--unsafe-fixes", cwd=copy)
    if "Traceback" in proc.stderr or proc.returncode not in (0, 1):
        result.failures.append(f"--fix exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    match = FIXED.search(proc.stdout)
    result.fixed = int(match.group(1)) if match else 0
    for line in proc.stderr.splitlines():
        refused = REFUSED.match(line)
        if refused:
            result.refused[f"{refused.group(1)}: {refused.group(2)}"] += 1
        elif line.startswith("pooltune: error"):
            result.failures.append(line)

    after = _hashes(copy)
    changed = [p for p in after if before.get(p) != after[p]]
    result.changed_files = len(changed)
    for path in changed:
        why = _problem(path)
        if why is not None and problems_before.get(path) is None:
            result.failures.append(f"{path.relative_to(copy)}: {why}")

    left = _findings(copy)
    result.still_fixable = sum(1 for f in left if f.get("fix"))
    remaining = collections.Counter(str(f["code"]) for f in left)
    for f in findings:
        code = str(f["code"])
        if f.get("fix") and remaining[code] > 0:
            remaining[code] -= 1
        elif f.get("fix"):
            result.fixed_by_code[code] += 1

    again = _pooltune("--fix", "--unsafe-fixes", cwd=copy)
    if _hashes(copy) != after:
        result.failures.append(f"a second --fix changed files: {again.stdout[-200:]}")
    return result


def render(results: list[PackageResult]) -> str:
    lines = [
        "| package | .py files | findings | with a safe fix | with an unsafe fix | fixed "
        "| refused | still fixable | files changed | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total = PackageResult("**total**")
    for r in results:
        lines.append(
            f"| {r.name} | {r.files} | {r.findings} | {r.safe} | {r.unsafe} | {r.fixed} "
            f"| {sum(r.refused.values())} | {r.still_fixable} | {r.changed_files} "
            f"| {len(r.failures)} |"
        )
        for name in ("files", "findings", "safe", "unsafe", "fixed", "still_fixable"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.changed_files += r.changed_files
        total.refused.update(r.refused)
        total.fixed_by_code.update(r.fixed_by_code)
        total.failures.extend(r.failures)
    lines.append(
        f"| {total.name} | {total.files} | {total.findings} | {total.safe} | {total.unsafe} "
        f"| {total.fixed} | {sum(total.refused.values())} | {total.still_fixable} "
        f"| {total.changed_files} | {len(total.failures)} |"
    )
    lines.append("")
    lines.append(
        "Fixed, by rule: "
        + (", ".join(f"{c} {n}" for c, n in sorted(total.fixed_by_code.items())) or "none")
    )
    lines.append("")
    lines.append("Refused, with the engine's reason:")
    for reason, count in total.refused.most_common() or [("none", 0)]:
        lines.append(f"- {count} x {reason}" if count else "- none")
    lines.append("")
    lines.append("Failures:" if total.failures else "Failures: none")
    lines.extend(f"- {failure}" for failure in total.failures)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=list(DEFAULT_PACKAGES))
    parser.add_argument("--corpus", type=Path, default=HERE / "realcode" / "corpus")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="pooltune-fix-bench-") as scratch:
        for name in args.packages:
            source = args.corpus / name
            if not source.is_dir():
                print(f"fix_realcode: {source}: no such package", file=sys.stderr)
                return 2
            results.append(run_package(source, Path(scratch)))
            print(f"{name}: done", file=sys.stderr)
    sys.stdout.write(render(results))
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
