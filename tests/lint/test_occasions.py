"""Occasional steps by name and slow polling loops (lint/occasions.py), read from the catalog."""

from __future__ import annotations

import ast

import pytest

from pooltune.lint.catalog import load_catalog
from pooltune.lint.occasions import name_words, poll_sleep_seconds, step_kind

STEPS = load_catalog().runtime.occasional_steps
SLEEPS = load_catalog().runtime.sleeps


def test_names_split_into_words_in_snake_and_camel_case() -> None:
    assert name_words("requestDeviceAuthorization") == {"request", "device", "authorization"}
    assert name_words("_validate_api_key") == {"validate", "api", "key"}
    assert name_words("QwenOAuth2Client") == {"qwen", "o", "auth", "2", "client"}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("login", "an account step"),
        ("pollDeviceToken", "an account step"),
        ("_refresh_access_token", "an account step"),
        ("check_api_key", "an account step"),
        ("api_user_api_key", "an account step"),
        ("onboard_managed_project", "an account step"),
        ("list_models", "a model or quota listing"),
        ("get_quota", "a model or quota listing"),
        ("mistral_get_model_list_async", "a model or quota listing"),
        ("get_model", None),  # one model, maybe per request
        ("check_for_update", "a version check"),
        ("get_access_token", None),  # fetching a token is not refreshing one
        ("verify_token", None),
        ("count_tokens", None),
        ("load_device", None),
        ("chat_completion", None),
    ],
)
def test_step_kind_by_the_words_of_a_name(name: str, kind: str | None) -> None:
    assert step_kind(name, STEPS) == kind


def _loop(source: str) -> ast.While:
    loop = ast.parse(source).body[1]
    assert isinstance(loop, ast.While)
    return loop


def _resolve(expr: ast.expr) -> str | None:
    return ast.unparse(expr)


def test_the_sleep_of_every_pass_is_read_when_it_is_a_literal() -> None:
    source = "import time\nwhile True:\n    if done():\n        break\n    time.sleep({})\n"
    assert poll_sleep_seconds(_loop(source.format(5)), _resolve, SLEEPS) == 5.0
    assert poll_sleep_seconds(_loop(source.format(0.5)), _resolve, SLEEPS) == 0.5
    assert poll_sleep_seconds(_loop(source.format("interval")), _resolve, SLEEPS) is None
    awaited = "import asyncio\nwhile True:\n    await asyncio.sleep(3)\n"
    assert poll_sleep_seconds(_loop(awaited), _resolve, SLEEPS) == 3.0
