"""`pooltune fix --profile`: a measured profile written into the clients' constructors."""

from __future__ import annotations

from pathlib import Path

from tests.lint.conftest import run_pooltune

PROFILE = """\
# pooltune recommend: https://api.example.com/v1/chat/completions at concurrency 50
[tool.pooltune.profile]
library = "{library}"
url = "https://api.example.com/v1/chat/completions"
max_connections = 64
max_keepalive_connections = 32
keepalive_expiry = 4.0
http2 = true
http1_max_connections = 50
ttl_dns_cache = 300
max_retries = 3

[tool.pooltune.profile.timeout]
connect = 2.0
read = 30.0
write = 10.0
pool = 1.0
"""

HTTPX = """\
import httpx

API = "https://api.example.com"

# the API's client
api = httpx.AsyncClient(base_url=API, timeout=5.0)
other = httpx.AsyncClient(base_url="https://elsewhere.example.org")


def make_client(token: str) -> httpx.Client:
    return httpx.Client(
        headers={"Authorization": token},
        follow_redirects=True,
    )
"""

HTTPX_AFTER = """\
import httpx

API = "https://api.example.com"

# the API's client
# pooltune: pool settings measured by `pooltune recommend` (profile.toml)
api = httpx.AsyncClient(
    base_url=API,
    timeout=httpx.Timeout(connect=2.0, read=30.0, write=10.0, pool=1.0),
    limits=httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=4.0),
    http2=True,
)
other = httpx.AsyncClient(base_url="https://elsewhere.example.org")


def make_client(token: str) -> httpx.Client:
    # pooltune: pool settings measured by `pooltune recommend` (profile.toml)
    return httpx.Client(
        headers={"Authorization": token},
        follow_redirects=True,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=4.0),
        timeout=httpx.Timeout(connect=2.0, read=30.0, write=10.0, pool=1.0),
        http2=True,
    )
"""

AIOHTTP = """\
import aiohttp


async def make_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=10))
"""

AIOHTTP_AFTER = """\
import aiohttp


async def make_session() -> aiohttp.ClientSession:
    # pooltune: pool settings measured by `pooltune recommend` (profile.toml)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=50, keepalive_timeout=4.0, ttl_dns_cache=300),
        timeout=aiohttp.ClientTimeout(total=None, connect=3.0, sock_connect=2.0, sock_read=30.0),
    )
"""

OPENAI = """\
from openai import AsyncOpenAI


def make_llm() -> AsyncOpenAI:
    return AsyncOpenAI(base_url="https://api.example.com/v1")
"""

OPENAI_AFTER = """\
from openai import AsyncOpenAI
import httpx
import openai


def make_llm() -> AsyncOpenAI:
    # pooltune: pool settings measured by `pooltune recommend` (profile.toml)
    return AsyncOpenAI(
        base_url="https://api.example.com/v1",
        http_client=openai.DefaultAsyncHttpxClient(limits=httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=4.0), http2=True),
        timeout=httpx.Timeout(connect=2.0, read=30.0, write=10.0, pool=1.0),
        max_retries=3,
    )
"""


def _write_profile(root: Path, library: str) -> None:
    (root / "profile.toml").write_text(PROFILE.format(library=library))


def _fix(root: Path, *args: str) -> tuple[int, str, str]:
    proc = run_pooltune("fix", "--profile", "profile.toml", *args, cwd=root)
    return proc.returncode, proc.stdout, proc.stderr


def test_httpx_constructors_get_the_profile_at_its_origin(tmp_path: Path) -> None:
    _write_profile(tmp_path, "httpx")
    (tmp_path / "clients.py").write_text(HTTPX)
    code, _, err = _fix(tmp_path, "clients.py")
    assert code == 0, err
    assert (tmp_path / "clients.py").read_text() == HTTPX_AFTER
    assert "Wrote the profile into 2 constructors" in err
    code, _, err = _fix(tmp_path, "clients.py")  # idempotent
    assert code == 0 and (tmp_path / "clients.py").read_text() == HTTPX_AFTER
    assert "(2 already up to date)" in err


def test_aiohttp_session_and_connector(tmp_path: Path) -> None:
    _write_profile(tmp_path, "aiohttp")
    (tmp_path / "session.py").write_text(AIOHTTP)
    assert _fix(tmp_path, "session.py")[0] == 0
    assert (tmp_path / "session.py").read_text() == AIOHTTP_AFTER


def test_sdk_client_gets_http_client_timeout_and_retries(tmp_path: Path) -> None:
    _write_profile(tmp_path, "openai")
    (tmp_path / "llm.py").write_text(OPENAI)
    assert _fix(tmp_path, "llm.py")[0] == 0
    assert (tmp_path / "llm.py").read_text() == OPENAI_AFTER
    # the result is code the linter accepts as it is
    assert run_pooltune("lint", "--no-cache", "llm.py", cwd=tmp_path).returncode == 0


def test_diff_previews_and_changes_nothing(tmp_path: Path) -> None:
    _write_profile(tmp_path, "httpx")
    (tmp_path / "clients.py").write_text(HTTPX)
    code, out, _ = _fix(tmp_path, "--diff", "clients.py")
    assert code == 0 and "+        http2=True," in out
    assert (tmp_path / "clients.py").read_text() == HTTPX


def test_nothing_matched_exits_1(tmp_path: Path) -> None:
    _write_profile(tmp_path, "aiohttp")
    (tmp_path / "clients.py").write_text(HTTPX)
    code, _, err = _fix(tmp_path, "clients.py")
    assert code == 1 and "No client of aiohttp at https://api.example.com:443" in err
    assert (tmp_path / "clients.py").read_text() == HTTPX


def test_encoding_is_kept(tmp_path: Path) -> None:
    _write_profile(tmp_path, "httpx")
    source = "# -*- coding: latin-1 -*-\n# caf\u00e9\n" + HTTPX
    (tmp_path / "clients.py").write_bytes(source.encode("latin-1"))
    assert _fix(tmp_path, "clients.py")[0] == 0
    fixed = (tmp_path / "clients.py").read_bytes().decode("latin-1")
    assert fixed.startswith("# -*- coding: latin-1 -*-\n# caf\u00e9\n") and "http2=True" in fixed


def test_bad_profiles_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "clients.py").write_text(HTTPX)
    cases = {
        "[tool.pooltune]\nx = 1\n": "no [tool.pooltune.profile] table",
        "[tool.pooltune.profile]\nmax_conections = 3\n": "unknown key 'max_conections'",
        "[tool.pooltune.profile]\nmax_connections = -1\n": "max_connections must be an integer",
        "[tool.pooltune.profile]\nhttp2 = 1\n": "http2 must be true or false",
        "[tool.pooltune.profile.timeout]\nread = 3.0\n": "needs connect, read, write and pool",
        '[tool.pooltune.profile]\nlibrary = "curl"\nhttp2 = true\n': "library must be one of",
        "not toml [": "invalid TOML",
    }
    for text, message in cases.items():
        (tmp_path / "profile.toml").write_text(text)
        code, _, err = _fix(tmp_path, "clients.py")
        assert code == 2, (text, err)
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, err
    (tmp_path / "profile.toml").unlink()
    code, _, err = _fix(tmp_path, "clients.py")
    assert code == 2 and "cannot read" in err and err.count("\n") == 1
    no_profile = run_pooltune("fix", "clients.py", cwd=tmp_path)
    assert no_profile.returncode == 2 and "--profile PROFILE.toml is required" in no_profile.stderr
    _write_profile(tmp_path, "httpx")
    code, _, err = _fix(tmp_path, "missing.py")
    assert code == 2 and "missing.py: no such file or directory" in err
    assert (tmp_path / "clients.py").read_text() == HTTPX
