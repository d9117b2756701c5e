"""--fix applies safe fixes, --unsafe-fixes also unsafe ones, --diff changes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.lint.conftest import run_pooltune

LIMITS = "import httpx\nlimits = httpx.Limits(max_connections=10, max_keepalive_connections=20)\n"
SDK = "import httpx\nimport openai\nllm = openai.AsyncOpenAI(http_client=httpx.AsyncClient())\n"


def test_safe_fix_is_applied_and_relinted(project: Path) -> None:
    (project / "a.py").write_text(LIMITS)
    proc = run_pooltune("lint", "a.py", cwd=project)
    assert proc.returncode == 1 and "[*] 1 fixable with the `--fix` option." in proc.stdout
    proc = run_pooltune("lint", "--fix", "a.py", cwd=project)
    assert proc.returncode == 0, proc.stdout
    assert (project / "a.py").read_text() == (
        "import httpx\nlimits = httpx.Limits(max_connections=10, max_keepalive_connections=10)\n"
    )


def test_diff_changes_nothing(project: Path) -> None:
    (project / "a.py").write_text(LIMITS)
    proc = run_pooltune("lint", "--diff", "a.py", cwd=project)
    assert "+limits = httpx.Limits(max_connections=10, max_keepalive_connections=10)" in proc.stdout
    assert (project / "a.py").read_text() == LIMITS


def test_unsafe_fix_needs_the_flag(project: Path) -> None:
    (project / "a.py").write_text(SDK)
    assert run_pooltune("lint", "--fix", "a.py", cwd=project).returncode == 1
    assert (project / "a.py").read_text() == SDK
    proc = run_pooltune("lint", "--fix", "--unsafe-fixes", "a.py", cwd=project)
    assert proc.returncode == 0, proc.stdout
    assert "http_client=openai.DefaultAsyncHttpxClient()" in (project / "a.py").read_text()


def test_fix_keeps_the_file_encoding(project: Path) -> None:
    """PEP 263: a latin-1 file stays latin-1 (the runner decodes it; the fix re-encodes it)."""
    source = "# -*- coding: latin-1 -*-\n# café\n" + LIMITS
    (project / "a.py").write_bytes(source.encode("latin-1"))
    proc = run_pooltune("lint", "--fix", "a.py", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fixed = (project / "a.py").read_bytes().decode("latin-1")
    assert fixed.startswith("# -*- coding: latin-1 -*-\n# café\n")
    assert "max_keepalive_connections=10)" in fixed


def test_limits_without_max_connections_get_the_clients_default(project: Path) -> None:
    (project / "a.py").write_text("import httpx\nlimits = httpx.Limits(keepalive_expiry=30)\n")
    proc = run_pooltune("lint", "--fix", "a.py", cwd=project)
    assert proc.returncode == 0, proc.stdout
    assert (project / "a.py").read_text() == (
        "import httpx\nlimits = httpx.Limits(max_connections=100, keepalive_expiry=30)\n"
    )
    (project / "b.py").write_text("import httpx\nlimits = httpx.Limits()\n")
    assert run_pooltune("lint", "--fix", "b.py", cwd=project).returncode == 0
    assert (
        project / "b.py"
    ).read_text() == "import httpx\nlimits = httpx.Limits(max_connections=100)\n"
