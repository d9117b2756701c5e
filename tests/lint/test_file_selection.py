"""Exclude patterns that are plain names are matched as a set over a path's components
(lint/files.py): the same files as gitignore's semantics select, on a real tree."""

from __future__ import annotations

from pathlib import Path

from pooltune.lint.files import DEFAULT_EXCLUDE, select_files


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")


def _selected(root: Path, exclude: list[str], *paths: str, force: bool = False) -> list[str]:
    targets = [str(root / p) for p in paths] or [str(root)]
    found = select_files(targets, root, exclude, force_exclude=force).files
    return sorted(Path(f).relative_to(root).as_posix() for f in found)


def test_plain_names_exclude_at_any_depth_and_folder_only_names_only_folders(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        ["app/main.py", "app/build/gen.py", "build/top.py", "app/vendored.py", "generated.py",
         "lib/generated/x.py", "lib/.venv/y.py"],
    )  # fmt: skip
    exclude = [*DEFAULT_EXCLUDE, "vendored.py", "generated/"]
    assert _selected(tmp_path, exclude) == ["app/main.py", "generated.py"]


def test_a_named_file_below_an_excluded_folder_is_excluded_with_force_exclude(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, ["build/sub/a.py", "src/b.py"])
    named = ("build/sub/a.py", "src/b.py")
    assert _selected(tmp_path, list(DEFAULT_EXCLUDE), *named) == ["build/sub/a.py", "src/b.py"]
    assert _selected(tmp_path, list(DEFAULT_EXCLUDE), *named, force=True) == ["src/b.py"]


def test_a_negation_keeps_the_order_of_patterns(tmp_path: Path) -> None:
    _tree(tmp_path, ["gen/a.py", "keep/gen.py", "gen.py", "other.py"])
    assert _selected(tmp_path, ["gen.py", "!gen.py"]) == ["gen.py", "gen/a.py", "keep/gen.py",
                                                          "other.py"]  # fmt: skip
    assert _selected(tmp_path, ["gen", "gen.py"]) == ["other.py"]
