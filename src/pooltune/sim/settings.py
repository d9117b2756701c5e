"""The simulator's knobs: one validated, typed object (the CLI flags with underscores)."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SimSettings(BaseModel):
    """What `pooltune sim` does; defaults as in design.md section 4."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    no_tls: bool = False
    http1_only: bool = False
    h2_max_streams: int = Field(default=100, ge=1, le=2**31 - 1)
    rtt_ms: float = Field(default=0.0, ge=0, le=10_000)
    service_ms: float = Field(default=20.0, ge=0, le=600_000)
    service_dist: Literal["fixed", "exp", "lognormal"] = "fixed"
    service_p99_ms: float | None = Field(default=None, gt=0)
    ttft_ms: float | None = Field(default=None, ge=0)
    token_ms: float = Field(default=10.0, ge=0)
    stream_tokens: int = Field(default=8, ge=1, le=10_000)
    slots: int | None = Field(default=None, ge=1)
    concurrency_limit: int | None = Field(default=None, ge=1)
    rate_limit_rpm: int | None = Field(default=None, ge=1)
    idle_timeout: float = Field(default=5.0, gt=0, le=86_400)
    max_requests_per_connection: int | None = Field(default=None, ge=1)
    fault_reset: float = Field(default=0.0, ge=0, le=1)
    fault_5xx: float = Field(default=0.0, ge=0, le=1)
    fault_stall: float = Field(default=0.0, ge=0, le=1)
    stall_s: float = Field(default=60.0, gt=0, le=3600)
    seed: int | None = None
    duration: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> SimSettings:
        if self.service_p99_ms is not None and self.service_p99_ms < self.service_ms:
            raise ValueError("service_p99_ms must be at least service_ms (the median)")
        return self

    @classmethod
    def llm_demo(cls) -> SimSettings:
        """What `pooltune recommend` with no --url runs against: an LLM API in miniature.
        Streamed answers (the demo asks for `"stream": true`) with a time to first token and
        tokens after it, a WAN-like round trip, and uvicorn's 5 s idle keep-alive timeout."""
        return cls(rtt_ms=20.0, ttft_ms=80.0, token_ms=10.0, stream_tokens=6, idle_timeout=5.0)

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def cli_args(self) -> list[str]:
        """The `pooltune sim` flags that reproduce these settings."""
        args: list[str] = []
        defaults = SimSettings()
        for name, value in self:
            if value == getattr(defaults, name):
                continue
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool):
                args.append(flag)
            else:
                args.extend([flag, str(value)])
        return args
