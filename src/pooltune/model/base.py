"""The base of every shared model and the names of what is measured (imports nothing of ours)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

HttpVersion = Literal["HTTP/1.1", "HTTP/2"]
Library = Literal["httpx", "httpx2", "aiohttp", "openai", "anthropic"]
LIBRARIES: tuple[Library, ...] = ("httpx", "httpx2", "aiohttp", "openai", "anthropic")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")
