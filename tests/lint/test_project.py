"""project_info_for on real temporary projects, and POOL007 driven by what it finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pooltune.lint.catalog import load_catalog
from pooltune.lint.engine import lint_source
from pooltune.lint.project import project_info_for

HTTP2_CLIENT = "import httpx\nclient = httpx.AsyncClient(http2=True)\n"


def make_project(root: Path, files: dict[str, str]) -> Path:
    """Write the project files and an app module in `src/app/`; return the module's path."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    module = root / "src" / "app" / "client.py"
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(HTTP2_CLIENT, encoding="utf-8")
    return module


def pool007(module: Path) -> list[str]:
    result = lint_source(
        HTTP2_CLIENT, str(module), load_catalog(), {"POOL007"}, project_info_for(module)
    )
    return [f.code for f in result.findings]


# (project files, expected dependencies (None: unknown), POOL007 fires)
CASES: list[tuple[str, dict[str, str], frozenset[str] | None, bool]] = [
    (
        "pyproject-without-h2",
        {"pyproject.toml": '[project]\nname = "a"\ndependencies = ["httpx>=0.27"]\n'},
        frozenset({"httpx"}),
        True,
    ),
    (
        "pyproject-extra",
        {"pyproject.toml": '[project]\nname = "a"\ndependencies = ["HTTPX[http2] >=0.27"]\n'},
        frozenset({"httpx", "httpx[http2]"}),
        False,
    ),
    (
        "pyproject-optional-h2",
        {
            "pyproject.toml": '[project]\nname = "a"\ndependencies = ["httpx"]\n'
            '[project.optional-dependencies]\nfast = ["h2>=4"]\n'
        },
        frozenset({"httpx", "h2"}),
        False,
    ),
    (
        "poetry-extras",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'a'\n[tool.poetry.dependencies]\n"
            'python = "^3.10"\nhttpx = {version = "^0.27", extras = ["http2"]}\n'
        },
        frozenset({"python", "httpx", "httpx[http2]"}),
        False,
    ),
    (
        "poetry-group-without-h2",
        {
            "pyproject.toml": "[tool.poetry]\nname = 'a'\n"
            '[tool.poetry.group.web.dependencies]\nhttpx = "^0.27"\n'
        },
        frozenset({"httpx"}),
        True,
    ),
    (
        "requirements-extra",
        {"requirements.txt": "# web\nhttpx[http2]==0.27.0  # pinned\n"},
        frozenset({"httpx", "httpx[http2]"}),
        False,
    ),
    (
        "requirements-include",
        {"requirements-dev.txt": "-r base.txt\npytest\n", "base.txt": "httpx\nh2\n"},
        frozenset({"pytest", "httpx", "h2"}),
        False,
    ),
    (
        "requirements-without-h2",
        {"requirements.txt": "httpx\n-e .\n--index-url http://127.0.0.1/simple\n"},
        frozenset({"httpx"}),
        True,
    ),
    (
        "setup-cfg",
        {"setup.cfg": "[options]\ninstall_requires =\n    httpx\n    anyio\n"},
        frozenset({"httpx", "anyio"}),
        True,
    ),
    (
        "setup-cfg-extras",
        {
            "setup.cfg": "[options]\ninstall_requires =\n    httpx\n"
            "[options.extras_require]\nhttp2 =\n    h2\n"
        },
        frozenset({"httpx", "h2"}),
        False,
    ),
    (
        "dynamic-dependencies",
        {
            "pyproject.toml": '[project]\nname = "a"\ndynamic = ["dependencies"]\n',
            "requirements.txt": "httpx\n",
        },
        None,
        False,
    ),
    ("broken-pyproject", {"pyproject.toml": "[project\n"}, None, False),
    ("setup-py-only", {"setup.py": "from setuptools import setup\nsetup()\n"}, None, False),
    ("tool-config-only", {"pyproject.toml": "[tool.ruff]\nline-length = 99\n"}, None, False),
    ("no-metadata", {}, None, False),
]


@pytest.mark.parametrize(
    ("files", "expected", "fires"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_project_dependencies_and_pool007(
    tmp_path: Path, files: dict[str, str], expected: frozenset[str] | None, fires: bool
) -> None:
    module = make_project(tmp_path, files)
    assert project_info_for(module).dependencies == expected
    assert pool007(module) == (["POOL007"] if fires else [])


def test_nearest_project_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "outer"\ndependencies = ["h2"]\n')
    inner = make_project(
        tmp_path / "services" / "bot",
        {"pyproject.toml": '[project]\nname = "bot"\ndependencies = ["httpx"]\n'},
    )
    assert project_info_for(inner).dependencies == frozenset({"httpx"})
    assert project_info_for(tmp_path / "other.py").dependencies == frozenset({"h2"})


def test_non_utf8_pyproject_is_unknown_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "\xff"\n')
    assert project_info_for(tmp_path / "a.py").dependencies is None


def test_each_folder_is_read_once_however_many_folders_sit_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm run asks for every linted folder's project: the folders above are examined once
    each, and a folder below a project (not itself one) answers with that project's names."""
    from pooltune.lint import project

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "outer"\ndependencies = ["h2"]\n')
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "requirements.txt").write_text("httpx[http2]\n")
    folders = [tmp_path / "a" / "b" / f"c{i}" for i in range(5)]
    folders += [tmp_path / "svc" / "x" / f"y{i}" for i in range(5)]
    for folder in folders:
        folder.mkdir(parents=True)
    project.forget_cached_dependencies()
    asked: list[Path] = []
    read = project._from_pyproject

    def counting(path: Path) -> set[str] | None:
        asked.append(path.parent)
        return read(path)

    monkeypatch.setattr(project, "_from_pyproject", counting)
    found = {folder: project_info_for(folder / "m.py").dependencies for folder in folders}
    assert all(found[f] == frozenset({"h2"}) for f in folders[:5])
    assert all(found[f] == frozenset({"httpx", "httpx[http2]"}) for f in folders[5:])
    assert len(asked) == len(set(asked))  # no folder's pyproject.toml read twice
    assert tmp_path.parent not in asked  # the search stops at the nearest project
    project.forget_cached_dependencies()
