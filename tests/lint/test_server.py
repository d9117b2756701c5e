"""`pooltune server` driven by a real LSP client (pytest-lsp) over stdio, as an editor drives it."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

pytest.importorskip("pygls")
from lsprotocol import types
from pytest_lsp.client import (
    DEFAULT_CLIENT_FEATURES,
    LanguageClient,
    register_lsp_features,
)
from pytest_lsp.protocol import LanguageClientProtocol

from pooltune.lint.report import rule_url

INVALID_TIMEOUT = "import httpx\n\nTIMEOUT = httpx.Timeout(connect=5.0, read=120.0)\n"
KEEPALIVE_ABOVE_MAX = (
    "import httpx\n\n"
    "def make() -> httpx.AsyncClient:\n"
    "    limits = httpx.Limits(max_connections=10, max_keepalive_connections=20)\n"
    "    return httpx.AsyncClient(limits=limits, timeout=5.0)\n"
)


class Editor:
    """The editor's side: open files, edit them, ask for code actions, apply their edits."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    async def diagnostics_for(self, uri: str, version: int) -> list[types.Diagnostic]:
        published: dict[tuple[str, int | None], list[types.Diagnostic]]
        published = self.client.published  # type: ignore[attr-defined]
        for _ in range(6000):  # 60 s
            if (uri, version) in published:
                return published[(uri, version)]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no diagnostics for {uri} version {version}")

    async def open(self, name: str, text: str) -> list[types.Diagnostic]:
        uri = self.uri(name)
        (self.root / name).write_text(text)
        self.texts[uri], self.versions[uri] = text, 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
        )
        return await self.diagnostics_for(uri, 1)

    async def replace_text(self, uri: str, text: str) -> list[types.Diagnostic]:
        version = self.versions[uri] + 1
        self.texts[uri], self.versions[uri] = text, version
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version, uri),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )
        return await self.diagnostics_for(uri, version)

    async def actions(self, uri: str, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(uri),
                diagnostic.range,
                types.CodeActionContext([diagnostic]),
            )
        )
        return [a for a in result or [] if isinstance(a, types.CodeAction)]

    async def apply(self, uri: str, action: types.CodeAction) -> list[types.Diagnostic]:
        """Apply the action's edits as an editor does, then send the new text."""
        assert action.edit is not None and action.edit.document_changes is not None
        (change,) = action.edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.version == self.versions[uri]
        text = self.texts[uri]
        for edit in sorted(change.edits, key=lambda e: _offset(text, e.range.start), reverse=True):
            assert isinstance(edit, types.TextEdit)
            start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
            text = text[:start] + edit.new_text + text[end:]
        return await self.replace_text(uri, text)


def _offset(text: str, position: types.Position) -> int:
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)  # as LSP counts lines
    return sum(len(line) for line in lines[: position.line]) + position.character


def make_client() -> LanguageClient:
    """pytest-lsp's client, recording every publishDiagnostics by (uri, version)."""
    from pygls.protocol import default_converter

    client = LanguageClient(
        protocol_cls=LanguageClientProtocol, converter_factory=default_converter
    )
    client.published = {}  # type: ignore[attr-defined]

    def record(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.published[(params.uri, params.version)] = list(params.diagnostics)  # type: ignore[attr-defined]

    features = {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: record}
    register_lsp_features(client, features)
    return client


def run_session(root: Path, scenario: Callable[[Editor], Awaitable[None]]) -> LanguageClient:
    async def main() -> LanguageClient:
        client = make_client()
        await client.start_io(sys.executable, "-m", "pooltune", "server", cwd=str(root))
        try:
            await client.initialize_session(
                types.InitializeParams(
                    capabilities=types.ClientCapabilities(), root_uri=root.as_uri()
                )
            )
            await scenario(Editor(client, root))
        finally:  # also after a failed assertion: a live server would hang the test
            await asyncio.wait_for(client.shutdown_session(), 30)
            await client.stop()
        return client

    return asyncio.run(main())


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\ndependencies = ["httpx"]\n')
    return tmp_path


def test_open_shows_the_finding_with_code_link_and_exact_range(workspace: Path) -> None:
    async def scenario(editor: Editor) -> None:
        (diagnostic,) = await editor.open("settings.py", INVALID_TIMEOUT)
        assert diagnostic.code == "POOL005"
        assert diagnostic.source == "pooltune"
        assert diagnostic.code_description is not None
        assert diagnostic.code_description.href == rule_url("POOL005")
        # the call `httpx.Timeout(connect=5.0, read=120.0)` on line 3, 0-based as LSP counts
        assert diagnostic.range == types.Range(types.Position(2, 10), types.Position(2, 48))
        assert diagnostic.severity == types.DiagnosticSeverity.Warning

    run_session(workspace, scenario)


def test_the_fix_action_removes_the_finding(workspace: Path) -> None:
    async def scenario(editor: Editor) -> None:
        uri = editor.uri("client.py")
        (diagnostic,) = await editor.open("client.py", KEEPALIVE_ABOVE_MAX)
        assert diagnostic.code == "POOL006"
        actions = await editor.actions(uri, diagnostic)
        fix = next(a for a in actions if a.is_preferred)
        assert "POOL006" in fix.title
        assert await editor.apply(uri, fix) == []
        assert "max_connections=10, max_keepalive_connections=10)" in editor.texts[uri]

    run_session(workspace, scenario)


def test_the_noqa_action_silences_the_line(workspace: Path) -> None:
    async def scenario(editor: Editor) -> None:
        uri = editor.uri("settings.py")
        (diagnostic,) = await editor.open("settings.py", INVALID_TIMEOUT)
        actions = await editor.actions(uri, diagnostic)
        assert [a.title for a in actions] == ["Disable POOL005 for this line (# noqa: POOL005)"]
        assert await editor.apply(uri, actions[0]) == []
        assert editor.texts[uri].splitlines()[2].endswith(")  # noqa: POOL005")

    run_session(workspace, scenario)


def test_edits_and_settings_follow_the_project(workspace: Path) -> None:
    """A re-edit re-lints; `[tool.pooltune]` ignore applies; a bad config is a message."""

    async def scenario(editor: Editor) -> None:
        uri = editor.uri("settings.py")
        assert len(await editor.open("settings.py", INVALID_TIMEOUT)) == 1
        fixed = INVALID_TIMEOUT.replace("connect=5.0", "5.0, connect=5.0")
        assert await editor.replace_text(uri, fixed) == []
        assert len(await editor.replace_text(uri, INVALID_TIMEOUT)) == 1

        with (workspace / "pyproject.toml").open("a") as f:
            f.write('[tool.pooltune]\nignore = ["POOL005"]\n')
        assert await editor.replace_text(uri, INVALID_TIMEOUT + "\n") == []

        (workspace / "pyproject.toml").write_text('[tool.pooltune]\nselct = ["POOL"]\n')
        assert await editor.replace_text(uri, INVALID_TIMEOUT) == []
        assert await editor.replace_text(uri, INVALID_TIMEOUT + "\n") == []
        (message,) = editor.client.messages  # once, not once per keystroke
        assert message.type == types.MessageType.Error
        assert "unknown key 'selct'" in message.message

        (workspace / "pyproject.toml").write_text('[tool.pooltune]\nselect = ["POOL"]\n')
        assert len(await editor.replace_text(uri, INVALID_TIMEOUT)) == 1
        (workspace / "pyproject.toml").write_text('[tool.pooltune]\nselect = ["POOL999"]\n')
        assert await editor.replace_text(uri, INVALID_TIMEOUT + "\n") == []
        assert "unknown rule code or prefix 'POOL999'" in editor.client.messages[-1].message
        assert len(editor.client.messages) == 2

    run_session(workspace, scenario)


def test_a_syntax_error_is_a_diagnostic_not_a_crash(workspace: Path) -> None:
    async def scenario(editor: Editor) -> None:
        (diagnostic,) = await editor.open("broken.py", "import httpx\ndef f(:\n")
        assert diagnostic.code == "POOL000"
        assert diagnostic.severity == types.DiagnosticSeverity.Error
        assert diagnostic.range.start.line == 1
        uri = editor.uri("broken.py")
        assert await editor.replace_text(uri, "import httpx\n") == []

    run_session(workspace, scenario)


def test_columns_are_utf16_code_units_as_lsp_counts_by_default(workspace: Path) -> None:
    """An emoji is one code point but two UTF-16 units: the range after it moves by one."""

    async def scenario(editor: Editor) -> None:
        text = 'import httpx\n\nT = ("\U0001f600", httpx.Timeout(connect=5.0))\n'
        (diagnostic,) = await editor.open("emoji.py", text)
        assert diagnostic.code == "POOL005"
        line = text.splitlines()[2]
        start = line.index("httpx.Timeout")  # code points
        assert diagnostic.range.start == types.Position(2, start + 1)
        assert diagnostic.range.end == types.Position(2, len(line) - 1 + 1)

    run_session(workspace, scenario)


def test_a_line_separator_in_a_comment_does_not_shift_lines(workspace: Path) -> None:
    """LSP and Python end lines at \\n, \\r\\n and \\r only; a U+2028 or a form feed in a
    comment must not move the diagnostic, the fix or the noqa to another line."""

    async def scenario(editor: Editor) -> None:
        uri = editor.uri("client.py")
        text = "import httpx\n# a\u2028b\x0c c\n" + KEEPALIVE_ABOVE_MAX.split("\n", 1)[1]
        (diagnostic,) = await editor.open("client.py", text)
        assert diagnostic.range.start.line == 4
        actions = await editor.actions(uri, diagnostic)
        fix = next(a for a in actions if a.is_preferred)
        assert await editor.apply(uri, fix) == []
        assert editor.texts[uri].startswith("import httpx\n# a\u2028b\x0c c\n")
        assert "max_connections=10, max_keepalive_connections=10)" in editor.texts[uri]

    run_session(workspace, scenario)


def test_the_server_reports_what_the_command_line_reports(repo_root: Path) -> None:
    """Same engine, settings and suppressions: every fixture's findings, code and range."""
    import json

    from tests.lint.conftest import run_pooltune

    proc = run_pooltune("lint", "fixtures", "--no-cache", "--format", "json", cwd=repo_root)
    expected: dict[str, set[tuple[str, int, int, int, int]]] = {}
    for f in json.loads(proc.stdout):
        loc, end = f["location"], f["end_location"]
        expected.setdefault(str(repo_root / f["filename"]), set()).add(
            (f["code"], loc["row"], loc["column"], end["row"], end["column"])
        )
    files = sorted((repo_root / "fixtures").rglob("*.py"))

    async def scenario(editor: Editor) -> None:
        for path in files:
            uri = path.as_uri()
            editor.client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    types.TextDocumentItem(uri, "python", 1, path.read_text())
                )
            )
            found = {
                (
                    str(d.code),
                    d.range.start.line + 1,
                    d.range.start.character + 1,
                    d.range.end.line + 1,
                    d.range.end.character + 1,
                )
                for d in await editor.diagnostics_for(uri, 1)
            }
            assert found == expected.get(str(path), set()), path

    run_session(repo_root, scenario)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("t = httpx.Timeout(connect=5.0)", "t = httpx.Timeout(connect=5.0)  # noqa: POOL005"),
        ("t = f()  # noqa: POOL001", "t = f()  # noqa: POOL001, POOL005"),
        ("t = f()  # type: ignore   ", "t = f()  # type: ignore  # noqa: POOL005"),
    ],
)
def test_the_noqa_edit_adds_the_code_to_the_lines_comment(line: str, expected: str) -> None:
    from pooltune.lint.suppress import add_noqa, is_suppressed

    assert add_noqa(line, "POOL005") == expected
    assert is_suppressed(expected, "POOL005")
    assert not is_suppressed(line, "POOL005")


def test_a_document_gets_the_projects_test_code_exemptions(project: Path) -> None:
    """Test code is linted as `pooltune lint` lints it: `test-ignore` from [tool.pooltune]."""
    from pooltune.config import load_config
    from pooltune.lint.server import lint_document
    from pooltune.lint.settings import LintSettings

    source = "import httpx\n\ndef fetch(u):\n    with httpx.Client(timeout=5) as c:\n"
    source += "        return c.get(u)\n"
    path = project / "test_api.py"
    path.write_text(source)

    def codes() -> list[str]:
        settings = LintSettings.from_config(load_config(None, project))
        return [f.code for f in lint_document(source, path, settings)]

    assert codes() == []
    with (project / "pyproject.toml").open("a") as f:
        f.write("[tool.pooltune]\ntest-ignore = []\n")
    assert codes() == ["POOL001"]
