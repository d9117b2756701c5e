"""The one reader of pyproject.toml: recommend's settings and --client default, lint's config."""

from __future__ import annotations

from pathlib import Path

import pytest

from pooltune import pyproject
from pooltune.config import load_config
from pooltune.recommend.settings import (
    RecommendSettings,
    UsageError,
    load_settings,
    resolve_client,
)


def _project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text)
    sub = tmp_path / "src" / "app"
    sub.mkdir(parents=True)
    return sub


def test_recommend_table_under_flags(tmp_path: Path) -> None:
    cwd = _project(
        tmp_path,
        '[tool.pooltune.recommend]\nclient = "aiohttp"\ntarget_concurrency = 12\nreplicas = 3\n',
    )
    settings = load_settings({"replicas": 2}, cwd)
    assert (settings.client, settings.target_concurrency, settings.replicas) == ("aiohttp", 12, 2)
    assert resolve_client(settings, cwd) == ("aiohttp", "[tool.pooltune.recommend]")
    flagged = load_settings({"client": "httpx2"}, cwd)
    assert resolve_client(flagged, cwd) == ("httpx2", "--client")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.pooltune.recommend\n", "invalid TOML"),
        ('[tool.pooltune]\nrecommend = "x"\n', "must be a table"),
        ("[tool.pooltune.recommend]\ncleint = 'httpx'\n", "unknown key 'cleint'"),
        ("[tool.pooltune.recommend]\nclient = 'requests'\n", "--client requests"),
    ],
)
def test_bad_configuration_is_one_usage_error(tmp_path: Path, text: str, message: str) -> None:
    cwd = _project(tmp_path, text)
    with pytest.raises(UsageError, match=message):
        load_settings({}, cwd)


def test_client_default_from_declared_dependencies(tmp_path: Path) -> None:
    cwd = _project(
        tmp_path,
        '[project]\nname = "bot"\ndependencies = ["httpx>=0.27", "anthropic"]\n'
        '[project.optional-dependencies]\ndev = ["openai"]\n',
    )
    # runtime dependencies first: the SDK the code ships with, not a dev extra
    assert resolve_client(RecommendSettings(), cwd)[0] == "anthropic"
    assert pyproject.declared_dependencies(cwd) == [["httpx", "anthropic"], ["openai"]]


def test_optional_dependencies_count_only_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pooltune's own clone with `[tune]` installed: its dev extra names openai, which is not
    there; the tune extra's httpx2 is."""
    import pooltune.probe.engines as engines

    cwd = _project(
        tmp_path,
        '[project]\nname = "tool"\ndependencies = ["libcst"]\n'
        '[project.optional-dependencies]\ntune = ["httpx2", "httpx"]\ndev = ["openai"]\n',
    )
    installed = {"httpx2", "httpx"}
    monkeypatch.setattr(engines, "library_installed", lambda library: library in installed)
    assert resolve_client(RecommendSettings(), cwd) == (
        "httpx2",
        "an optional dependency of the project, installed here",
    )
    installed.clear()
    assert resolve_client(RecommendSettings(), cwd)[0] == "httpx"  # the default
    # a runtime dependency is the project's library, installed or not (the error says so)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "bot"\ndependencies = ["openai"]\n')
    assert resolve_client(RecommendSettings(), cwd)[0] == "openai"


def test_client_default_from_requirements_then_httpx(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("aiohttp==3.14\n-r other.txt\n")
    assert resolve_client(RecommendSettings(), tmp_path)[0] == "aiohttp"
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    (empty / "pyproject.toml").write_text('[project]\nname = "x"\n')
    library, source = resolve_client(RecommendSettings(), empty)
    assert library == "httpx" and source.startswith("default")


def test_lint_reads_through_the_same_reader(tmp_path: Path) -> None:
    cwd = _project(tmp_path, "[tool.pooltune\n")
    with pytest.raises(pyproject.ConfigError, match="invalid TOML"):
        load_config(None, cwd)
    (tmp_path / "ok").mkdir()
    cwd = _project(tmp_path / "ok", '[tool.pooltune]\nignore = ["POOL003"]\n')
    assert load_config(None, cwd).config.ignore == ("POOL003",)
