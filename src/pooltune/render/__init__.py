"""Renderers: a Report in, text out (JSON, paste-ready code, TOML). Renderers never measure."""

from __future__ import annotations

from typing import Literal

from pooltune.recommend.model import Report

Format = Literal["json", "httpx", "aiohttp", "openai", "toml"]


def render(report: Report, fmt: str) -> str:
    from pooltune.render import snippets

    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "toml":
        return snippets.toml_profile(report)
    if fmt == "httpx":
        return snippets.httpx_snippet(report)
    if fmt == "aiohttp":
        return snippets.aiohttp_snippet(report)
    if fmt == "openai":
        return snippets.openai_snippet(report)
    raise ValueError(f"unknown format {fmt!r} (json, httpx, aiohttp, openai, toml, text)")
