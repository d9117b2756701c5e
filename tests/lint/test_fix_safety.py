"""`--fix` never loses data: lines counted as Python counts them, encodings and line breaks kept,
every rewritten file checked, changed and read-only files left alone, writes atomic."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.findings import Edit, Finding, Fix, Location
from pooltune.lint.fix import fix_files, fix_source
from pooltune.lint.fixio import write_atomic
from pooltune.lint.fixtext import EditError, LineIndex, Span, unintended_change
from pooltune.lint.runner import lint_files
from tests.lint.conftest import run_pooltune

BAD = "L = httpx.Limits(max_connections=10, max_keepalive_connections=20)"
GOOD = "L = httpx.Limits(max_connections=10, max_keepalive_connections=10)"

# Characters str.splitlines() takes for line breaks and Python's tokenizer does not.
NOT_LINE_BREAKS = {
    "form-feed": "\x0c",
    "vertical-tab": "\x0b",
    "file-separator": "\x1c",
    "group-separator": "\x1d",
    "record-separator": "\x1e",
    "next-line": "\x85",
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
}


@pytest.mark.parametrize("char", NOT_LINE_BREAKS.values(), ids=NOT_LINE_BREAKS.keys())
def test_characters_splitlines_breaks_on_do_not_move_the_edit(project: Path, char: str) -> None:
    """In a comment, in a string and as whitespace: the fix lands where the finding is."""
    source = (
        f"import httpx\n# a comment{char}with a break str.splitlines sees\n"
        f"s = 'a string{char}too'\n{BAD}\n"
    )
    if char == "\x0c":  # the one of them Python allows as whitespace
        source = source.replace(BAD, f"{char}\n{char}x = 1\n{BAD}") + f"{char}y = 1\n"
    (project / "a.py").write_text(source, encoding="utf-8")
    proc = run_pooltune("lint", "--fix", "--select", "POOL006", "a.py", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (project / "a.py").read_text(encoding="utf-8") == source.replace(BAD, GOOD)


def test_an_edit_on_a_line_indented_with_a_form_feed_is_refused(project: Path) -> None:
    """libcst's columns leave out a leading form feed at module level: never guess."""
    source = f"import httpx\n\x0c{BAD}\n{BAD}\n"
    (project / "a.py").write_text(source)
    proc = run_pooltune("lint", "--fix", "--no-cache", "a.py", cwd=project)
    assert (project / "a.py").read_text() == f"import httpx\n\x0c{BAD}\n{GOOD}\n"
    assert "a.py: 2:" in proc.stderr and "indented with a form feed" in proc.stderr
    assert proc.returncode == 1  # the finding is still there


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_breaks_are_kept(project: Path, newline: str) -> None:
    source = newline.join(["import httpx", "# comment", BAD, ""])
    (project / "a.py").write_bytes(source.encode())
    proc = run_pooltune("lint", "--fix", "a.py", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (project / "a.py").read_bytes() == source.replace(BAD, GOOD).encode()


def test_bom_is_kept(project: Path) -> None:
    source = f"import httpx\n{BAD}\n"
    (project / "a.py").write_bytes(b"\xef\xbb\xbf" + source.encode())
    assert run_pooltune("lint", "--fix", "a.py", cwd=project).returncode == 0
    assert (project / "a.py").read_bytes() == b"\xef\xbb\xbf" + source.replace(BAD, GOOD).encode()


def test_latin1_cookie_and_non_ascii_before_the_edit(project: Path) -> None:
    """Columns are code points: `é` before the edit on its line does not shift it."""
    line = f"x = 'café'; {BAD}"
    source = f"# -*- coding: latin-1 -*-\nimport httpx\n{line}\n"
    (project / "a.py").write_bytes(source.encode("latin-1"))
    assert run_pooltune("lint", "--fix", "a.py", cwd=project).returncode == 0
    assert (project / "a.py").read_bytes() == source.replace(BAD, GOOD).encode("latin-1")


def test_second_fix_changes_nothing(project: Path) -> None:
    (project / "a.py").write_text(f"import httpx\n{BAD}\n")
    assert run_pooltune("lint", "--fix", "a.py", cwd=project).returncode == 0
    fixed = (project / "a.py").read_bytes()
    proc = run_pooltune("lint", "--fix", "a.py", cwd=project)
    assert proc.returncode == 0 and proc.stdout == "All checks passed!\n"
    assert (project / "a.py").read_bytes() == fixed


def test_summary_after_fixing_says_how_many_were_fixed(project: Path) -> None:
    (project / "a.py").write_text(f"import httpx\n{BAD}\nimport requests\nrequests.get('x')\n")
    proc = run_pooltune("lint", "--fix", "--no-cache", "a.py", cwd=project)
    assert proc.returncode == 1
    assert "Found 2 errors (1 fixed, 1 remaining)." in proc.stdout
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in (
        proc.stdout
    )


def test_a_file_changed_since_it_was_read_is_not_edited(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user's edit between the lint and the write survives, and the file is named."""
    monkeypatch.chdir(project)
    (project / "a.py").write_text(f"import httpx\n{BAD}\n")
    (project / "b.py").write_text(f"import httpx\n{BAD}\n")
    codes = dict.fromkeys(["a.py", "b.py"], frozenset({"POOL006"}))
    run = lint_files(["a.py", "b.py"], codes, None, keep_sources=True)
    edited = f"import httpx  # the user's edit\n{BAD}\n"
    (project / "a.py").write_text(edited)
    outcome = fix_files(
        ["a.py", "b.py"],
        codes,
        None,
        run.findings,
        run.sources,
        unsafe=False,
        write=True,
        test_ignore=(),
    )
    assert (project / "a.py").read_text() == edited
    assert (project / "b.py").read_text() == f"import httpx\n{GOOD}\n"
    assert [(p.filename, p.kind) for p in outcome.problems] == [("a.py", "skipped")]
    assert "changed on disk since it was read" in outcome.problems[0].line()
    assert not outcome.write_failed


def test_read_only_file_is_an_error_and_the_others_are_fixed(project: Path) -> None:
    (project / "a.py").write_text(f"import httpx\n{BAD}\n")
    (project / "b.py").write_text(f"import httpx\n{BAD}\n")
    os.chmod(project / "a.py", 0o444)
    proc = run_pooltune("lint", "--fix", "a.py", "b.py", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == "pooltune: error: a.py: cannot write fixes: the file is read-only\n"
    assert (project / "a.py").read_text() == f"import httpx\n{BAD}\n"
    assert (project / "b.py").read_text() == f"import httpx\n{GOOD}\n"
    assert "Traceback" not in proc.stderr


def _finding(filename: str, *edits: Edit) -> Finding:
    start = Location(1, 1)
    return Finding("POOL999", "test", filename, start, start, Fix("test", edits))


def test_a_fix_across_files_is_applied_whole_or_not_at_all(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    for name in ("a.py", "b.py", "c.py"):
        (project / name).write_text("x = 1\n")
    os.chmod(project / "b.py", 0o444)
    names = ["a.py", "b.py", "c.py"]
    run = lint_files(names, dict.fromkeys(names, frozenset[str]()), None, keep_sources=True)
    one = Edit("2", Location(1, 5), Location(1, 6))
    spanning = _finding("a.py", one, Edit("2", Location(1, 5), Location(1, 6), "b.py"))
    together = _finding(
        "a.py",
        Edit("3", Location(1, 5), Location(1, 6)),
        Edit("3", Location(1, 5), Location(1, 6), str(project / "c.py")),  # another spelling
    )
    outcome = fix_files(
        names,
        dict.fromkeys(names, frozenset[str]()),
        None,
        [spanning, together],
        run.sources,
        unsafe=False,
        write=True,
        test_ignore=(),
    )
    assert (project / "a.py").read_text() == "x = 3\n"  # only the fix b.py did not block
    assert (project / "b.py").read_text() == "x = 1\n"
    assert (project / "c.py").read_text() == "x = 3\n"
    assert outcome.fixed == 1 and outcome.write_failed


def test_a_fix_that_breaks_the_module_is_dropped_and_named(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    (project / "a.py").write_text("x = 1\ny = 2\n")
    run = lint_files(["a.py"], {"a.py": frozenset()}, None, keep_sources=True)
    broken = _finding("a.py", Edit("(", Location(1, 5), Location(1, 6)))
    fine = _finding("a.py", Edit("3", Location(2, 5), Location(2, 6)))
    past_the_line = _finding("a.py", Edit("z", Location(1, 9), Location(1, 9)))
    outcome = fix_files(
        ["a.py"],
        {"a.py": frozenset()},
        None,
        [broken, fine, past_the_line],
        run.sources,
        unsafe=False,
        write=True,
        test_ignore=(),
    )
    assert (project / "a.py").read_text() == "x = 1\ny = 3\n"
    lines = sorted(p.line() for p in outcome.problems)
    assert len(lines) == 2 and all(
        line.startswith("pooltune: warning: a.py: 1:1:") for line in lines
    )
    assert any("does not compile" in line for line in lines)
    assert any("column 9 is past the end of line 1" in line for line in lines)


def test_line_index_counts_lines_as_python_does() -> None:
    index = LineIndex("a\x0cb\u2028c\r\nd\re\nf")
    assert index.starts == [0, 7, 9, 11]
    assert index.offset(2, 1) == 7 and index.offset(4, 2) == 12
    with pytest.raises(EditError):
        index.offset(1, 7)  # past the end of line 1 (its break is not part of it)
    with pytest.raises(EditError):
        index.offset(5, 1)


def test_unintended_change_is_caught() -> None:
    old = "a = 1\nb = 2\n"
    span = Span(4, 5, "9", 1, 1)
    assert unintended_change(old, "a = 9\nb = 2\n", [span]) is None
    assert unintended_change(old, "a = 9\nb = 3\n", [span]) is not None


def test_atomic_write_keeps_mode_and_symlink(tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_text("x = 1\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomic(str(link), b"x = 2\n")
    assert link.is_symlink() and target.read_text() == "x = 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pooltune")] == []


@pytest.mark.skipif(os.getuid() != 0, reason="only root can hand a file to another owner")
def test_a_fix_run_as_root_keeps_the_files_owner(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_text("x = 1\n")
    os.chown(target, 1234, 5678)
    write_atomic(str(target), b"x = 2\n")
    assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)


def test_an_interrupted_write_leaves_the_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the new contents are being written: the old file stays, no temporary."""
    target = tmp_path / "a.py"
    target.write_text("x = 1\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(target), b"x = 2\n" * 1000)
    assert target.read_text() == "x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


def test_diff_with_nothing_fixable_says_so(project: Path) -> None:
    (project / "a.py").write_text("import requests\nrequests.get('x')\n")
    proc = run_pooltune("lint", "--fix", "--diff", "a.py", cwd=project)
    assert proc.stdout == ""
    assert proc.stderr == ("No errors would be fixed (1 fix available with `--unsafe-fixes`).\n")
    (project / "b.py").write_text(f"import httpx\n{BAD}\n")
    proc = run_pooltune("lint", "--diff", "b.py", cwd=project)
    assert f"+{GOOD}" in proc.stdout and proc.stderr == "Would fix 1 error.\n"


# -- a property: whatever a comment or a string holds, the fix lands where it should ---------

ODD = "\x0c\x0b\x1c\x1d\x1e\x85\u2028\u2029\r\t é😀#'\\"


@settings(max_examples=80, deadline=None)
@given(
    comment=st.text(alphabet=ODD + "ab ", max_size=12),
    string=st.text(alphabet=ODD + "ab ", max_size=12),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_odd_characters_never_move_a_fix(comment: str, string: str, newline: str) -> None:
    comment = comment.replace("\r", "")  # a CR would end the comment's line
    raw = string.replace("\r", "").replace("\\", "\\\\").replace("'", "\\'")
    literal = f"'{raw}'"  # the characters themselves in the literal, not escapes
    lines = ["import httpx", f"# {comment}", f"s = {literal}  # {comment}", BAD, f"t = {literal}"]
    source = newline.join(lines) + newline
    findings = lint_source(source, "t.py", load_catalog(), {"POOL006"}).findings
    fixed, count, problems = fix_source(source, findings, unsafe=False)
    assert (count, problems) == (1, [])
    assert fixed == source.replace(BAD, GOOD)


def _with_fix(applicability: str) -> Finding:
    start = Location(1, 1)
    fix = Fix("f", (Edit("x", start, start),), applicability)  # type: ignore[arg-type]
    return Finding("POOL006", "m", "a.py", start, start, fix)


@pytest.mark.parametrize(
    ("kinds", "unsafe_fixes", "fixed", "expected"),
    [
        ([], False, 0, "All checks passed!"),
        (["safe"], False, 0, "Found 1 error.\n[*] 1 fixable with the `--fix` option."),
        (
            ["safe", "unsafe", "unsafe"],
            False,
            0,
            "Found 3 errors.\n[*] 1 fixable with the `--fix` option (2 hidden fixes can be "
            "enabled with the `--unsafe-fixes` option).",
        ),
        (
            ["unsafe", None],
            False,
            0,
            "Found 2 errors.\nNo fixes available (1 hidden fix can be enabled with the "
            "`--unsafe-fixes` option).",
        ),
        (["unsafe"], True, 0, "Found 1 error.\n[*] 1 fixable with the `--fix` option."),
        ([None], False, 2, "Found 3 errors (2 fixed, 1 remaining)."),
        ([], False, 1, "Found 1 error (1 fixed, 0 remaining)."),
    ],
)
def test_summary_counts_fixes_as_ruff_does(
    kinds: list[str | None], unsafe_fixes: bool, fixed: int, expected: str
) -> None:
    from pooltune.lint.report.text import summary

    start = Location(1, 1)
    findings = [
        _with_fix(kind) if kind else Finding("POOL001", "m", "a.py", start, start) for kind in kinds
    ]
    assert summary(findings, False, unsafe_fixes=unsafe_fixes, fixed=fixed) == expected
