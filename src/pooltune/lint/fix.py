"""Apply fixes (`--fix`, `--diff`) so that no run ever loses data.

A fix is applied whole or not at all: its edits may reach several files (`Edit.filename`), and
it is taken only if every one of them can be rewritten. Each rewritten file is checked before it
is written: only the fixes' spans changed (:func:`~pooltune.lint.fixtext.unintended_change`) and
the module still compiles and parses (when it did before). A fix that fails the check is dropped
and named; the file's other fixes still apply. A file that changed on disk since the run read it
is not touched (it is named, and the next run lints it afresh); a read-only file is an error
(exit 2) and the other files are still fixed. Writes are atomic (:mod:`pooltune.lint.fixio`).

Rounds: fix, re-lint through the runner, repeat while fixes apply (a fix may enable another;
ruff loops the same way).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pooltune.lint.findings import Edit, Finding
from pooltune.lint.fixio import (
    FixIOError,
    SourceFile,
    decode,
    digest_of,
    read_bytes,
    read_only_reason,
    write_atomic,
)
from pooltune.lint.fixtext import (
    EditError,
    LineIndex,
    Span,
    overlaps,
    parse_problem,
    splice,
    to_spans,
    unintended_change,
)

MAX_ROUNDS = 10
_DIFF_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

ProblemKind = Literal["skipped", "error"]


@dataclass(frozen=True)
class FixProblem:
    """A file or a fix left alone, and why (one line). "error" (an I/O failure) makes the run
    exit 2; "skipped" is a warning."""

    filename: str
    reason: str
    kind: ProblemKind = "skipped"

    def line(self) -> str:
        level = "error" if self.kind == "error" else "warning"
        return f"pooltune: {level}: {self.filename}: {self.reason}"


@dataclass
class FixOutcome:
    findings: list[Finding]  # what is left after fixing
    fixed: int = 0
    diff: list[str] = field(default_factory=list)
    problems: list[FixProblem] = field(default_factory=list)

    @property
    def write_failed(self) -> bool:
        return any(p.kind == "error" for p in self.problems)


@dataclass
class _Chosen:
    finding: Finding
    spans: dict[str, list[Span]]  # target file -> its spans


def applicable(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    return fix is not None and (fix.applicability == "safe" or unsafe)


def _fix_key(finding: Finding) -> tuple[str, str, int, int, str]:
    return (
        finding.filename,
        finding.code,
        finding.location.row,
        finding.location.column,
        finding.message,
    )


class RunFiles:
    """The files of a run by the names the runner gave them: an edit's `filename` may spell
    one differently (`./app/main.py`, an absolute path); it is matched by its real path."""

    def __init__(self, filenames: Iterable[str]) -> None:
        self.names = set(filenames)
        self.by_real_path = {os.path.realpath(name): name for name in self.names}

    def target(self, edit: Edit, finding: Finding) -> str:
        if edit.filename is None:
            return finding.filename
        if edit.filename in self.names:
            return edit.filename
        return self.by_real_path.get(os.path.realpath(edit.filename), edit.filename)


class _Planner:
    """Choose the fixes of one round and compute the texts they give, every text checked."""

    def __init__(
        self,
        sources: Mapping[str, SourceFile],
        blocked: Collection[str],
        rejected: set[tuple[str, str, int, int, str]],
        files: RunFiles,
    ) -> None:
        self.files = files
        self.sources = sources
        self.blocked = set(blocked)
        self.rejected = rejected
        self.problems: list[FixProblem] = []
        self._indexes: dict[str, LineIndex] = {}
        self._parsed_before: dict[str, bool] = {}

    def _index(self, filename: str) -> LineIndex:
        if filename not in self._indexes:
            self._indexes[filename] = LineIndex(self.sources[filename].text)
        return self._indexes[filename]

    def _spans(self, finding: Finding) -> dict[str, list[Span]] | None:
        assert finding.fix is not None
        per_file: dict[str, list[tuple[int, int, int, int, str]]] = {}
        for edit in finding.fix.edits:
            target = self.files.target(edit, finding)
            per_file.setdefault(target, []).append(
                (
                    edit.location.row,
                    edit.location.column,
                    edit.end_location.row,
                    edit.end_location.column,
                    edit.content,
                )
            )
        if any(t in self.blocked or t not in self.sources for t in per_file):
            return None  # a file it needs is unreadable, changed or read-only: not at all
        spans: dict[str, list[Span]] = {}
        for target, edits in per_file.items():
            index = self._index(target)
            try:
                spans[target] = to_spans(index, edits, index.newline())
            except EditError as exc:
                self._reject(finding, f"does not fit the file ({exc})")
                return None
        return spans

    def _reject(self, finding: Finding, why: str) -> None:
        self.rejected.add(_fix_key(finding))
        row, column = finding.location.row, finding.location.column
        self.problems.append(
            FixProblem(finding.filename, f"{row}:{column}: {finding.code} fix not applied: {why}")
        )

    def choose(self, findings: Iterable[Finding], unsafe: bool) -> list[_Chosen]:
        chosen: list[_Chosen] = []
        taken: dict[str, list[Span]] = {}
        for finding in sorted(findings, key=lambda f: f.sort_key):
            if not applicable(finding, unsafe) or _fix_key(finding) in self.rejected:
                continue
            spans = self._spans(finding)
            if spans is None:
                continue
            if any(overlaps(s, taken.get(t, ())) for t, s in spans.items()):
                continue  # overlaps a fix already taken: the next round sees it again
            for target, file_spans in spans.items():
                taken.setdefault(target, []).extend(file_spans)
            chosen.append(_Chosen(finding, spans))
        return chosen

    def _problem(self, filename: str, spans: Sequence[Span]) -> str | None:
        source = self.sources[filename]
        try:
            text = splice(source.text, spans)
        except EditError as exc:
            return str(exc)
        changed = unintended_change(source.text, text, spans)
        if changed is not None:
            return changed
        try:
            source.encode(text)
        except FixIOError as exc:
            return str(exc)
        if filename not in self._parsed_before:
            self._parsed_before[filename] = parse_problem(source.text, filename) is None
        if self._parsed_before[filename]:
            return parse_problem(text, filename)
        return None

    def texts(self, chosen: list[_Chosen]) -> tuple[dict[str, str], list[_Chosen]]:
        """The checked new text of every file the fixes touch, and the fixes kept."""
        while True:
            by_file: dict[str, list[_Chosen]] = {}
            for fix in chosen:
                for target in fix.spans:
                    by_file.setdefault(target, []).append(fix)
            failed: list[_Chosen] = []
            for filename, fixes in by_file.items():
                spans = [s for fix in fixes for s in fix.spans[filename]]
                if self._problem(filename, spans) is None:
                    continue
                # Find the fixes that break the file on their own; if none alone does, the
                # combination does: keep the first and leave the rest for the next round.
                culprits = []
                for fix in fixes:
                    why = self._problem(filename, fix.spans[filename])
                    if why is not None:
                        culprits.append(fix)
                        self._reject(fix.finding, f"the result {why}")
                failed.extend(culprits or fixes[1:])
                break
            if not failed:
                break
            dropped = {id(fix) for fix in failed}
            chosen = [fix for fix in chosen if id(fix) not in dropped]
        texts = {
            filename: splice(
                self.sources[filename].text,
                [s for fix in chosen for s in fix.spans.get(filename, ())],
            )
            for filename in {t for fix in chosen for t in fix.spans}
        }
        return texts, chosen


def fix_source(
    text: str, findings: Sequence[Finding], unsafe: bool
) -> tuple[str, int, list[FixProblem]]:
    """One round on one in-memory text (the findings' own file): the fixed text, how many
    fixes were applied and the ones refused. For tests and the real-code bench."""
    names = {f.filename for f in findings}
    filename = names.pop() if len(names) == 1 else "<source>"
    source = SourceFile(text.encode(), text, "utf-8")
    planner = _Planner({filename: source}, (), set(), RunFiles([filename]))
    chosen = planner.choose(findings, unsafe)
    texts, chosen = planner.texts(chosen)
    return texts.get(filename, text), len(chosen), planner.problems


def _groups(chosen: Sequence[_Chosen]) -> list[list[str]]:
    """Files that must be written together (a fix spanning files joins them)."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for fix in chosen:
        names = list(fix.spans)
        root(names[0])
        for other in names[1:]:
            parent[root(other)] = root(names[0])
    groups: dict[str, list[str]] = {}
    for name in sorted(parent):
        groups.setdefault(root(name), []).append(name)
    return list(groups.values())


def _write_group(
    group: Sequence[str], sources: Mapping[str, SourceFile], texts: Mapping[str, str]
) -> FixProblem | None:
    """Write a group's files, each only if it is still what the run read; on a failure, put
    back those already written, so that no fix is left half applied."""
    written: list[str] = []
    for filename in group:
        source = sources[filename]
        try:
            data = source.encode(texts[filename])
            if digest_of(read_bytes(filename)) != source.digest:
                problem = FixProblem(
                    filename, "changed on disk since it was read; not fixed (run `--fix` again)"
                )
            else:
                write_atomic(filename, data)
                written.append(filename)
                continue
        except FixIOError as exc:
            problem = FixProblem(filename, f"cannot write fixes: {exc}", "error")
        for done in written:
            try:
                write_atomic(done, sources[done].data)
            except FixIOError as exc:  # cannot even put it back: say so loudly
                problem = FixProblem(done, f"fix half applied, cannot restore: {exc}", "error")
        return problem
    return None


def _precheck(filename: str, source: SourceFile) -> FixProblem | None:
    """Whether a file may be rewritten at all: writable, and still what the run read."""
    why = read_only_reason(filename)
    if why is not None:
        return FixProblem(filename, f"cannot write fixes: {why}", "error")
    try:
        if digest_of(read_bytes(filename)) != source.digest:
            return FixProblem(
                filename, "changed on disk since it was read; not fixed (run `--fix` again)"
            )
    except FixIOError as exc:
        return FixProblem(filename, f"cannot read it again: {exc}", "error")
    return None


def _diff_lines(text: str) -> list[str]:
    return _DIFF_LINE.findall(text)


def _unified_diff(filename: str, before: str, after: str) -> list[str]:
    """A unified diff that marks a last line without a line break, as `diff -u` does."""
    lines = []
    for line in difflib.unified_diff(
        _diff_lines(before), _diff_lines(after), f"a/{filename}", f"b/{filename}"
    ):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return lines


def fix_files(
    filenames: Sequence[str],
    codes_for: dict[str, frozenset[str]],
    cache_root: Path | None,
    findings: list[Finding],
    sources: Mapping[str, bytes],
    *,
    unsafe: bool,
    write: bool,
    test_ignore: Collection[str],
) -> FixOutcome:
    """Fix, re-lint through the runner, repeat while fixes apply. ``sources`` are the bytes the
    findings were computed from. Without ``write`` the fixed sources stay in memory and a
    unified diff is returned."""
    from pooltune.lint.runner import lint_files

    outcome = FixOutcome(findings)
    originals: dict[str, SourceFile] = {}
    overrides: dict[str, bytes] = {}  # --diff: the fixed contents, never written
    blocked: set[str] = set()  # files not to touch again in this run
    rejected: set[tuple[str, str, int, int, str]] = set()
    current = dict(sources)
    files = RunFiles(filenames)
    for _ in range(MAX_ROUNDS):
        wanted = {
            files.target(edit, f)
            for f in outcome.findings
            if applicable(f, unsafe) and f.fix is not None
            for edit in f.fix.edits
        }
        decoded: dict[str, SourceFile] = {}
        for filename in sorted(wanted - blocked):
            if filename not in current:
                continue
            try:
                decoded[filename] = decode(current[filename])
            except FixIOError as exc:
                outcome.problems.append(FixProblem(filename, f"not fixed: {exc}"))
                blocked.add(filename)
                continue
            problem = _precheck(filename, decoded[filename]) if write else None
            if problem is not None:
                outcome.problems.append(problem)
                blocked.add(filename)
        planner = _Planner(decoded, blocked, rejected, files)
        chosen = planner.choose(outcome.findings, unsafe)
        texts, chosen = planner.texts(chosen)
        outcome.problems.extend(planner.problems)
        if not chosen:
            break
        fixed_files: set[str] = set()
        if write:
            for group in _groups(chosen):
                problem = _write_group(group, decoded, texts)
                if problem is None:
                    fixed_files.update(group)
                else:
                    outcome.problems.append(problem)
                    blocked.update(group)
        else:
            fixed_files = set(texts)
            for filename, text in texts.items():
                overrides[filename] = decoded[filename].encode(text)
        for filename in fixed_files:
            originals.setdefault(filename, decoded[filename])
        done = [fix for fix in chosen if set(fix.spans) <= fixed_files]
        if not done:
            break
        outcome.fixed += len(done)
        run = lint_files(
            filenames,
            codes_for,
            cache_root if write else None,
            test_ignore=test_ignore,
            keep_sources=True,
            overrides=None if write else overrides,
            plan_hoists=True,
        )
        outcome.findings = run.findings
        current = dict(run.sources)
    if not write:
        for filename, original in sorted(originals.items()):
            fixed_text = decode(overrides[filename]).text
            outcome.diff.extend(_unified_diff(filename, original.text, fixed_text))
    return outcome
