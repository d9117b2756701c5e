"""Renderers: a Report in, text out (the report, JSON, paste-ready code, TOML). Renderers never
measure; every output goes through the caller's secret scrub."""

from __future__ import annotations

from typing import Literal

from pooltune.model import Report

Format = Literal[
    "text", "json", "httpx", "httpx2", "aiohttp", "openai", "anthropic", "toml", "snippet"
]


def render(report: Report, fmt: str, width: int = 80, wide: bool = False) -> str:
    from pooltune.render import snippets

    if fmt == "text":
        from pooltune.render.text import render_text

        return render_text(report, width=max(width, 170) if wide else width, wide=wide)
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "toml":
        return snippets.toml_profile(report)
    if fmt == "snippet":
        library = report.client.library if report.client else "httpx"
        return snippets.snippet_for(report, library)
    if fmt in ("httpx", "httpx2", "aiohttp", "openai", "anthropic"):
        return snippets.snippet_for(report, fmt)
    raise ValueError(
        f"unknown format {fmt!r} (text, json, httpx, httpx2, aiohttp, openai, anthropic, toml, "
        "snippet)"
    )
