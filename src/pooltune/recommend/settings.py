"""What a `pooltune recommend` run is asked to do: flags over `[tool.pooltune.recommend]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pooltune.model import LIBRARIES, Library

Format = Literal[
    "text", "json", "httpx", "httpx2", "aiohttp", "openai", "anthropic", "toml", "snippet"
]
FORMATS = ("text", "json", "httpx", "httpx2", "aiohttp", "openai", "anthropic", "toml", "snippet")


class UsageError(Exception):
    """Bad flags or configuration: one line on stderr, exit 2."""


class RecommendSettings(BaseModel):
    """`[tool.pooltune.recommend]` in the nearest pyproject.toml (flags override it)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    url: str | None = None
    method: str = "POST"
    headers: list[str] = Field(default_factory=list, alias="header")
    json_body: str | None = Field(default=None, alias="json")
    ca_bundle: str | None = Field(default=None, alias="ca-bundle")
    insecure: bool = False
    target_concurrency: int = Field(default=50, ge=1, le=10_000, alias="target-concurrency")
    max_requests: int = Field(default=3000, ge=10, alias="max-requests")
    max_duration: float = Field(default=55.0, gt=0, le=3600, alias="max-duration")
    idle_window: float = Field(default=60.0, gt=0, le=3600, alias="idle-window")
    validate_: bool = Field(default=False, alias="validate")
    baseline: str | None = None
    format: Format = "text"
    output: str | None = None
    plot: str | None = None
    client: Library | None = None
    replicas: int = Field(default=1, ge=1, le=100_000)
    wide: bool = False
    # where `client` came from ("--client", "[tool.pooltune.recommend]"); set by load_settings
    client_source: str | None = Field(default=None, alias="client-source", exclude=True)


def load_settings(flags: dict[str, Any], cwd: Path) -> RecommendSettings:
    from pooltune.pyproject import ConfigError, load

    try:
        table = load(cwd).recommend()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    merged = {str(k).replace("_", "-"): v for k, v in table.items()}
    merged.pop("client-source", None)
    source = "[tool.pooltune.recommend]" if "client" in merged else None
    given = {k: v for k, v in flags.items() if v is not None}
    if "client" in given:
        source = "--client"
    merged.update(given)
    if source:
        merged["client-source"] = source
    if isinstance(merged.get("client"), str) and merged["client"] not in LIBRARIES:
        raise UsageError(f"--client {merged['client']}: one of {', '.join(LIBRARIES)}")
    try:
        return RecommendSettings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        if err["type"] == "extra_forbidden":
            raise UsageError(f"[tool.pooltune.recommend]: unknown key {where!r}") from None
        raise UsageError(f"{where}: {err['msg']}") from None


# Declared dependencies -> the library the project's code most likely runs its calls on: an
# SDK first (it brings its own pool), then aiohttp, httpx2, httpx.
_PREFERENCE: tuple[Library, ...] = ("openai", "anthropic", "aiohttp", "httpx2", "httpx")


def resolve_client(settings: RecommendSettings, cwd: Path) -> tuple[Library, str]:
    """The library to measure on, and where that choice came from."""
    if settings.client is not None:
        return settings.client, settings.client_source or "--client"
    if settings.format in LIBRARIES:
        # the snippet asked for is measured on its own library, so its numbers are its own
        return settings.format, f"--format {settings.format}"
    from pooltune.probe.engines import library_installed
    from pooltune.pyproject import declared_dependencies

    groups = declared_dependencies(cwd) or []
    for library in _PREFERENCE:
        if groups and library in groups[0]:
            return library, "the project's declared dependencies"
    # An optional or dev dependency is one the code may use: only when it is installed here
    # (a clone with `[tune]` installed must not pick the SDK its test extra names).
    for group in groups[1:]:
        for library in _PREFERENCE:
            if library in group and library_installed(library):
                return library, "an optional dependency of the project, installed here"
    return "httpx", "default: no project here declares a client library"
