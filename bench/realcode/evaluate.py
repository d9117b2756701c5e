"""Precision and recall of ``pooltune lint`` on the real-code corpus (issue 9's proof).

Three steps, each rerunnable:

1. ``run``: lint the corpus (``pooltune lint --format json --no-cache .`` from the corpus root,
   so every filename is relative to it) and keep the findings with the lint commit and the time:

       python bench/realcode/evaluate.py run --corpus /work/corpus/src \\
           --pooltune /path/to/venv/bin/pooltune --out bench/realcode/out

2. ``sample``: draw a stratified, seeded sample of the findings (all of a rule's findings when it
   has few, at least ``--total`` in all) into a review worksheet, one ``[[finding]]`` per sampled
   finding with an excerpt of the code; ``--carry OLD.toml`` pre-fills the verdicts of findings
   already reviewed (same code, file and line) and marks them ``carried = true``:

       python bench/realcode/evaluate.py sample --out bench/realcode/out \\
           --worksheet bench/realcode/review.toml

3. ``report``: given the filled worksheet (``verdict`` = true / false / debatable, a ``reason``
   each), compute precision per rule and overall (true / (true + false)), recall against
   ``antipatterns.toml`` (a label is found when a finding with its code is in its file within
   +-2 lines), and write ``bench/results/precision.md``:

       python bench/realcode/evaluate.py report --out bench/realcode/out \\
           --worksheet bench/realcode/review.toml --markdown bench/results/precision.md

4. ``compare``: a later lint commit against an earlier run and its review (reviewed findings
   kept or gone by verdict, new findings, recall of both).

Only the standard library is used; the corpus comes from ``bench/realcode/fetch.py``.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_CORPUS = HERE / "corpus"
DEFAULT_OUT = HERE / "out"
DEFAULT_LABELS = HERE / "antipatterns.toml"
DEFAULT_WORKSHEET = HERE / "review.toml"
DEFAULT_MARKDOWN = REPO / "bench" / "results" / "precision.md"
LINE_TOLERANCE = 2
VERDICTS = ("true", "false", "debatable")

Finding = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# helpers


def finding_id(f: Finding) -> str:
    return f"{f['code']}:{f['filename']}:{f['location']['row']}:{f['location']['column']}"


def _norm(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def load_findings(out: Path) -> tuple[list[Finding], dict[str, Any]]:
    meta = json.loads((out / "run.json").read_text())
    findings = json.loads((out / "findings.json").read_text())
    for f in findings:
        f["filename"] = _norm(f["filename"])
    return findings, meta


def load_labels(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        return list(tomllib.load(fh).get("antipattern", []))


def _git_commit(pooltune: str) -> str:
    """The commit of the pooltune checkout the executable runs (editable installs)."""
    code = "import pathlib, pooltune; print(pathlib.Path(pooltune.__file__).resolve().parent)"
    python = Path(pooltune).with_name("python")
    try:
        pkg = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        return subprocess.run(
            ["git", "-C", pkg, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def corpus_manifest(corpus: Path) -> list[dict[str, Any]]:
    rows = []
    for stamp in sorted(corpus.glob("*/.corpus.json")):
        rows.append(json.loads(stamp.read_text()))
    return rows


def excerpt(corpus: Path, filename: str, row: int, before: int = 4, after: int = 2) -> list[str]:
    try:
        lines = (corpus / filename).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    lo, hi = max(0, row - 1 - before), min(len(lines), row + after)
    return [f"{i + 1:5}{'>' if i + 1 == row else ' '} {lines[i][:110]}" for i in range(lo, hi)]


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# run


def cmd_run(args: argparse.Namespace) -> int:
    corpus = args.corpus.resolve()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        args.pooltune,
        "lint",
        "--format",
        "json",
        "--no-cache",
        "--exit-zero",
        "-o",
        str((out / "findings.json").resolve()),
        ".",
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=corpus, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr)
        print(f"pooltune lint failed with exit {proc.returncode}", file=sys.stderr)
        return 2
    findings = json.loads((out / "findings.json").read_text())
    meta = {
        "pooltune": args.pooltune,
        "lint_commit": args.commit or _git_commit(args.pooltune),
        "corpus": str(corpus),
        "wall_s": round(wall, 1),
        "findings": len(findings),
        "command": " ".join(["pooltune", *cmd[1:-3], "."]),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (out / "run.json").write_text(json.dumps(meta, indent=1) + "\n")
    counts = collections.Counter(f["code"] for f in findings)
    print(
        f"{len(findings)} findings in {wall:.1f} s (lint commit {meta['lint_commit']}): "
        + ", ".join(f"{c} {n}" for c, n in sorted(counts.items()))
    )
    return 0


# ---------------------------------------------------------------------------------------------
# sample


def _rank(f: Finding, seed: int) -> str:
    key = f"{seed}:{f['code']}:{f['filename']}:{f['location']['row']}"
    return hashlib.sha256(key.encode()).hexdigest()


def stratified_sample(findings: list[Finding], total: int, floor: int, seed: int) -> list[Finding]:
    """All of a rule's findings when it has at most ``floor``; else at least ``floor`` of it and
    the rest of ``total`` shared in proportion to the rule's count. Seeded, so reproducible."""
    by_code: dict[str, list[Finding]] = collections.defaultdict(list)
    for f in sorted(findings, key=finding_id):
        by_code[f["code"]].append(f)
    take: dict[str, int] = {}
    small = {c: len(fs) for c, fs in by_code.items() if len(fs) <= floor}
    take.update(small)
    big = {c: len(fs) for c, fs in by_code.items() if c not in small}
    left = max(total - sum(small.values()), floor * len(big))
    big_total = sum(big.values())
    for code, n in big.items():
        take[code] = min(n, max(floor, round(left * n / big_total)))
    sample: list[Finding] = []
    for code in sorted(by_code):
        # Rank by a seeded hash of (code, file, line): a finding that stays put from one lint
        # commit to the next keeps its rank, so successive samples overlap and verdicts carry.
        fs = sorted(by_code[code], key=lambda f: _rank(f, seed))
        sample.extend(fs[: take[code]])
    return sorted(sample, key=lambda f: (f["code"], f["filename"], f["location"]["row"]))


def _read_worksheet(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def cmd_sample(args: argparse.Namespace) -> int:
    findings, meta = load_findings(args.out)
    corpus = Path(meta["corpus"])
    sample = stratified_sample(findings, args.total, args.floor, args.seed)
    carried: dict[tuple[str, str, int], dict[str, Any]] = {}
    if args.carry:
        for row in _read_worksheet(args.carry).get("finding", []):
            if row.get("verdict") in VERDICTS:
                carried[(row["code"], row["file"], row["line"])] = row
    counts = collections.Counter(f["code"] for f in findings)
    per_rule = collections.Counter(f["code"] for f in sample)
    lines = [
        "# pooltune lint on the real-code corpus: hand review worksheet.",
        f"# lint commit {meta['lint_commit']}, {meta['findings']} findings, run {meta['when']}.",
        f"# Sample: seed {args.seed}, {len(sample)} findings ("
        + ", ".join(f"{c} {per_rule[c]}/{counts[c]}" for c in sorted(counts))
        + ").",
        "# Fill `verdict` (true | false | debatable) and `reason` for each, reading the real code",
        "# (the excerpt below each entry is only a start). `[miss_notes]` at the end: optional",
        '# notes on why a labelled anti-pattern was missed, keyed "file:line".',
        "",
        f"lint_commit = {_toml_str(meta['lint_commit'])}",
        f"seed = {args.seed}",
        "",
    ]
    for f in sample:
        row = f["location"]["row"]
        old = carried.get((f["code"], f["filename"], row))
        lines += [
            "[[finding]]",
            f"id = {_toml_str(finding_id(f))}",
            f"code = {_toml_str(f['code'])}",
            f"file = {_toml_str(f['filename'])}",
            f"line = {row}",
            f"message = {_toml_str(f['message'])}",
            f"verdict = {_toml_str(old['verdict'] if old else '')}",
            f"reason = {_toml_str(old.get('reason', '') if old else '')}",
        ]
        if old:
            lines.append("carried = true")
        lines += [f"# |{x}" for x in excerpt(corpus, f["filename"], row)]
        lines.append("")
    lines += ["[miss_notes]", ""]
    args.worksheet.write_text("\n".join(lines))
    n_carried = sum(
        1 for f in sample if (f["code"], f["filename"], f["location"]["row"]) in carried
    )
    print(f"wrote {len(sample)} findings to {args.worksheet} ({n_carried} carried)")
    return 0


# ---------------------------------------------------------------------------------------------
# report


def recall(
    findings: list[Finding], labels: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], list[Finding]]]:
    """Each label with the findings that recall it (same code and file, within the tolerance)."""
    by_file: dict[str, list[Finding]] = collections.defaultdict(list)
    for f in findings:
        by_file[f["filename"]].append(f)
    out = []
    for lab in labels:
        lines = [lab["line"], *lab.get("alt_lines", [])]
        hits = [
            f
            for f in by_file.get(lab["file"], [])
            if f["code"] == lab["code"]
            and any(abs(f["location"]["row"] - ln) <= LINE_TOLERANCE for ln in lines)
        ]
        out.append((lab, hits))
    return out


def _nearby(findings: list[Finding], lab: dict[str, Any]) -> list[str]:
    return sorted(
        {
            f"{f['code']}@{f['location']['row']}"
            for f in findings
            if f["filename"] == lab["file"]
            and abs(f["location"]["row"] - lab["line"]) <= LINE_TOLERANCE
        }
    )


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def _precision(rows: list[dict[str, Any]], code: str | None = None) -> str:
    sel = [r for r in rows if code is None or r["code"] == code]
    t = sum(r["verdict"] == "true" for r in sel)
    f = sum(r["verdict"] == "false" for r in sel)
    return _ratio(t, t + f)


def _baseline_section(
    args: argparse.Namespace,
    findings: list[Finding],
    meta: dict[str, Any],
    rows: list[dict[str, Any]],
    rec: list[tuple[dict[str, Any], list[Finding]]],
) -> list[str]:
    """A side-by-side table of a baseline run (its own findings and hand review) and this one."""
    b_findings, b_meta = load_findings(args.baseline_out)
    b_rows = [
        r
        for r in _read_worksheet(args.baseline_worksheet).get("finding", [])
        if r.get("verdict") in VERDICTS
    ]
    b_rec = recall(b_findings, load_labels(args.labels))
    codes = sorted({r["code"] for r in rows} | {r["code"] for r in b_rows})
    a, b = b_meta["lint_commit"], meta["lint_commit"]
    out = [
        "",
        f"## Before and after: baseline {a} (the linter before issue 9) and {b}",
        "",
        "Same corpus, same labels; each column from its own run and its own hand review.",
        "",
        f"| measure | {a} | {b} |",
        "|---|---:|---:|",
        f"| findings | {len(b_findings)} | {len(findings)} |",
        "| lint wall time (s; 2 cores shared with other work: rough) | "
        f"{b_meta['wall_s']} | {meta['wall_s']} |",
        f"| reviewed | {len(b_rows)} | {len(rows)} |",
        f"| precision, all | {_precision(b_rows)} | {_precision(rows)} |",
    ]
    for code in codes:
        out.append(f"| precision, {code} | {_precision(b_rows, code)} | {_precision(rows, code)} |")
    bf = sum(1 for _, h in b_rec if h)
    af = sum(1 for _, h in rec if h)
    out.append(
        f"| recall | {bf}/{len(b_rec)} = {_ratio(bf, len(b_rec))} | "
        f"{af}/{len(rec)} = {_ratio(af, len(rec))} |"
    )
    return out


def cmd_report(args: argparse.Namespace) -> int:
    findings, meta = load_findings(args.out)
    corpus = Path(meta["corpus"])
    labels = load_labels(args.labels)
    sheet = _read_worksheet(args.worksheet)
    if sheet.get("lint_commit") != meta["lint_commit"]:
        print(
            f"warning: worksheet is of lint commit {sheet.get('lint_commit')}, findings of "
            f"{meta['lint_commit']}",
            file=sys.stderr,
        )
    rows = sheet.get("finding", [])
    missing = [r["id"] for r in rows if r.get("verdict") not in VERDICTS]
    if missing and not args.partial:
        print(
            f"{len(missing)} findings have no verdict (first: {missing[0]}); "
            "use --partial to report anyway",
            file=sys.stderr,
        )
        return 2
    rows = [r for r in rows if r.get("verdict") in VERDICTS]
    counts = collections.Counter(f["code"] for f in findings)
    per = {c: collections.Counter() for c in sorted(counts)}
    for r in rows:
        per.setdefault(r["code"], collections.Counter())[r["verdict"]] += 1
    tot = sum((c for c in per.values()), collections.Counter())

    rec = recall(findings, labels)
    found = sum(1 for _, hits in rec if hits)
    manifest = corpus_manifest(corpus)
    notes = sheet.get("miss_notes", {})

    md: list[str] = []
    md += [
        "# pooltune lint on real code: precision and recall",
        "",
        f"Lint commit **{meta['lint_commit']}**; findings from `{meta['command']}` run from the "
        f"corpus root ({meta['when']}, {meta['wall_s']} s wall on 2 shared cores). "
        "Made by `bench/realcode/evaluate.py` (run, sample, report); the hand review is "
        "`bench/realcode/review.toml`, the labels `bench/realcode/antipatterns.toml`.",
        "",
    ]
    if sheet.get("notes"):
        md += ["## Notes on this review", "", str(sheet["notes"]).strip(), ""]
    md += [
        "## Corpus",
        "",
        "`bench/realcode/fetch.py` (pinned versions, `pip download --no-deps`, Python sources "
        "only):",
        "",
        "| package | version | files | lines |",
        "|---|---|---:|---:|",
    ]
    for m in manifest:
        md.append(f"| {m['package']} | {m['version']} | {m['files']:,} | {m['lines']:,} |")
    md.append(
        f"| **{len(manifest)} packages** | | **{sum(m['files'] for m in manifest):,}** | "
        f"**{sum(m['lines'] for m in manifest):,}** |"
    )
    md += [
        "",
        "## Findings and precision",
        "",
        "Precision = true / (true + false); debatable findings are left out of it (the last "
        "column counts them as false).",
        "",
        "| code | findings | reviewed | true | false | debatable | precision | "
        "precision, debatable = false |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for code in sorted(set(counts) | set(per)):
        c = per.get(code, collections.Counter())
        n = c["true"] + c["false"] + c["debatable"]
        md.append(
            f"| {code} | {counts.get(code, 0)} | {n} | {c['true']} | {c['false']} | "
            f"{c['debatable']} | {_ratio(c['true'], c['true'] + c['false'])} | "
            f"{_ratio(c['true'], n)} |"
        )
    n = tot["true"] + tot["false"] + tot["debatable"]
    md.append(
        f"| **all** | **{len(findings)}** | **{n}** | {tot['true']} | {tot['false']} | "
        f"{tot['debatable']} | **{_ratio(tot['true'], tot['true'] + tot['false'])}** | "
        f"{_ratio(tot['true'], n)} |"
    )
    md += [
        "",
        f"## Recall: {found} of {len(labels)} labelled anti-patterns found "
        f"(**{_ratio(found, len(labels))}**)",
        "",
        "A label is found when a finding with its code is in its file within "
        f"+-{LINE_TOLERANCE} lines.",
        "",
        "| class | labels | found |",
        "|---|---:|---:|",
    ]
    by_class: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for lab, hits in rec:
        by_class[lab.get("class", "-")][0] += 1
        by_class[lab.get("class", "-")][1] += bool(hits)
    for cls, (a, b) in sorted(by_class.items()):
        md.append(f"| {cls} | {a} | {b} |")
    by_code: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for lab, hits in rec:
        by_code[lab["code"]][0] += 1
        by_code[lab["code"]][1] += bool(hits)
    md += ["", "| code | labels | found |", "|---|---:|---:|"]
    for code, (a, b) in sorted(by_code.items()):
        md.append(f"| {code} | {a} | {b} |")

    if args.holdout:
        h_rec = recall(findings, load_labels(args.holdout))
        h_found = sum(1 for _, hits in h_rec if hits)
        md += [
            "",
            f"### Held-out labels: {h_found} of {len(h_rec)} found "
            f"(**{_ratio(h_found, len(h_rec))}**)",
            "",
            f"`{args.holdout.name}`: labels found by reading the corpus late, not shown to the "
            "lint author before this review, to check that the recall above is not fitted to "
            "labels the author could read.",
        ]
        md += [
            f"- missed: `{lab['code']}` {lab['file']}:{lab['line']}: {lab['reason']}"
            for lab, hits in h_rec
            if not hits
        ]
    if args.baseline_out and args.baseline_worksheet:
        md += _baseline_section(args, findings, meta, rows, rec)
    fps = [r for r in rows if r["verdict"] == "false"]
    md += ["", f"## False positives ({len(fps)})", ""]
    md += [f"- `{r['code']}` {r['file']}:{r['line']}: {r.get('reason', '')}" for r in fps] or [
        "None."
    ]
    deb = [r for r in rows if r["verdict"] == "debatable"]
    md += ["", f"## Debatable ({len(deb)})", ""]
    md += [f"- `{r['code']}` {r['file']}:{r['line']}: {r.get('reason', '')}" for r in deb] or [
        "None."
    ]
    misses = [(lab, hits) for lab, hits in rec if not hits]
    md += ["", f"## Misses ({len(misses)})", ""]
    for lab, _ in misses:
        near = _nearby(findings, lab)
        key = f"{lab['file']}:{lab['line']}"
        md.append(
            f"- `{lab['code']}` ({lab.get('class', '-')}) {key}: {lab['reason']}."
            + (f" Reported instead: {', '.join(near)}." if near else " Nothing reported.")
            + (f" Why: {notes[key]}" if key in notes else "")
        )
    if not misses:
        md.append("None.")
    md += [
        "",
        "## All reviewed findings",
        "",
        "| code | location | verdict | reason |",
        "|---|---|---|---|",
    ]
    for r in rows:
        reason = r.get("reason", "").replace("|", "\\|")
        md.append(f"| {r['code']} | {r['file']}:{r['line']} | {r['verdict']} | {reason} |")
    text = "\n".join(md) + "\n"
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    p = tot["true"] / (tot["true"] + tot["false"]) if tot["true"] + tot["false"] else float("nan")
    p1 = per.get("POOL001", collections.Counter())
    p1v = p1["true"] / (p1["true"] + p1["false"]) if p1["true"] + p1["false"] else float("nan")
    print(
        f"lint {meta['lint_commit']}: reviewed {n}, precision {p:.3f} (POOL001 {p1v:.3f}), "
        f"recall {found}/{len(labels)} = {found / len(labels):.3f}"
    )
    return 0


def cmd_recall(args: argparse.Namespace) -> int:
    """Recall only (no worksheet needed): which labels are found, which are missed."""
    findings, meta = load_findings(args.out)
    rec = recall(findings, load_labels(args.labels))
    for lab, hits in rec:
        mark = "found " if hits else "MISSED"
        near = "" if hits else " near: " + ",".join(_nearby(findings, lab))
        print(f"{mark} {lab['code']} {lab.get('class', '-'):16} {lab['file']}:{lab['line']}{near}")
    found = sum(1 for _, h in rec if h)
    print(f"lint {meta['lint_commit']}: recall {found}/{len(rec)} = {found / len(rec):.3f}")
    return 0


def _key(code: str, filename: str, row: int) -> tuple[str, str, int]:
    return code, _norm(filename), row


def cmd_compare(args: argparse.Namespace) -> int:
    """What a later lint commit did to the reviewed findings and the labels of an earlier one:
    reviewed findings kept or gone, by verdict; findings new in the later run, by code; recall of
    each run. Verdicts are matched by (code, file, line), as ``sample --carry`` does."""
    before, b_meta = load_findings(args.before_out)
    after, a_meta = load_findings(args.after_out)
    rows = [
        r
        for r in _read_worksheet(args.worksheet).get("finding", [])
        if r.get("verdict") in VERDICTS
    ]
    after_keys = {_key(f["code"], f["filename"], f["location"]["row"]) for f in after}
    before_keys = {_key(f["code"], f["filename"], f["location"]["row"]) for f in before}
    a, b = b_meta["lint_commit"], a_meta["lint_commit"]
    print(f"reviewed findings of {a} ({len(rows)}), in {b}:")
    print("| verdict | reviewed | still reported | gone |\n|---|---:|---:|---:|")
    for verdict in VERDICTS:
        sel = [r for r in rows if r["verdict"] == verdict]
        kept = sum(_key(r["code"], r["file"], r["line"]) in after_keys for r in sel)
        print(f"| {verdict} | {len(sel)} | {kept} | {len(sel) - kept} |")
    for r in rows:
        if _key(r["code"], r["file"], r["line"]) not in after_keys:
            print(f"  gone ({r['verdict']}): {r['code']} {r['file']}:{r['line']}")
    new = [
        f for f in after if _key(f["code"], f["filename"], f["location"]["row"]) not in before_keys
    ]
    gone = len(before_keys - after_keys)
    counts = collections.Counter(f["code"] for f in new)
    print(
        f"findings: {len(before)} in {a}, {len(after)} in {b}; {gone} gone, {len(new)} new ("
        + ", ".join(f"{c} {n}" for c, n in sorted(counts.items()))
        + ")"
    )
    labels = load_labels(args.labels)
    for name, findings in ((a, before), (b, after)):
        found = sum(1 for _, hits in recall(findings, labels) if hits)
        print(f"recall {name}: {found}/{len(labels)} = {_ratio(found, len(labels))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="lint the corpus, keep the findings")
    run.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    run.add_argument("--pooltune", default=os.environ.get("POOLTUNE", "pooltune"))
    run.add_argument("--commit", help="the lint commit (default: asked of git)")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT)
    run.set_defaults(func=cmd_run)
    smp = sub.add_parser("sample", help="write the review worksheet")
    smp.add_argument("--out", type=Path, default=DEFAULT_OUT)
    smp.add_argument("--worksheet", type=Path, default=DEFAULT_WORKSHEET)
    smp.add_argument("--total", type=int, default=120)
    smp.add_argument(
        "--floor",
        type=int,
        default=12,
        help="a rule with at most this many "
        "findings is reviewed whole; larger ones get at least this many",
    )
    smp.add_argument("--seed", type=int, default=9)
    smp.add_argument("--carry", type=Path, help="earlier worksheet whose verdicts to carry over")
    smp.set_defaults(func=cmd_sample)
    rep = sub.add_parser("report", help="precision, recall and precision.md")
    rep.add_argument("--out", type=Path, default=DEFAULT_OUT)
    rep.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    rep.add_argument("--worksheet", type=Path, default=DEFAULT_WORKSHEET)
    rep.add_argument("--markdown", type=Path, default=DEFAULT_MARKDOWN)
    rep.add_argument("--partial", action="store_true", help="report on the filled rows only")
    rep.add_argument("--holdout", type=Path, help="held-out labels (recall reported apart)")
    rep.add_argument("--baseline-out", type=Path, help="run folder of a baseline to compare with")
    rep.add_argument("--baseline-worksheet", type=Path, help="the baseline's filled worksheet")
    rep.set_defaults(func=cmd_report)
    rc = sub.add_parser("recall", help="recall only")
    rc.add_argument("--out", type=Path, default=DEFAULT_OUT)
    rc.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    rc.set_defaults(func=cmd_recall)
    cmp_ = sub.add_parser("compare", help="a later run against an earlier run and its review")
    cmp_.add_argument("--before-out", type=Path, required=True)
    cmp_.add_argument("--after-out", type=Path, required=True)
    cmp_.add_argument("--worksheet", type=Path, default=DEFAULT_WORKSHEET)
    cmp_.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    cmp_.set_defaults(func=cmd_compare)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
