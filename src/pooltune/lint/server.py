"""`pooltune server`: the linter as a Language Server (LSP over stdio), for editors.

Per open document: diagnostics on open, change and save, each with the rule code, a
link to the rule's document and the exact range; code actions that apply a finding's fix or
add ``# noqa: POOLxxx`` to its line. Settings come from `[tool.pooltune]` of the document's
nearest pyproject.toml, resolved as the command line resolves them (pooltune.lint.settings) and
re-read when that file changes; a bad configuration is shown to the user, never a crash.

Linting runs in worker threads so the server keeps reading messages meanwhile, and one
document's lint never waits for another's (a big module does not hold up the small one being
typed in). A document over the command line's size limit gets its POOL000 at once. An edit is
linted at once (``--debounce-ms`` adds a pause); edits that arrive while a lint of the same
document runs replace one another, so the next lint takes the newest text, and a result that a
newer edit has overtaken is dropped. The transport is :mod:`pooltune.lint.lsp_stdio`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from pooltune import __version__
from pooltune.config import ConfigError, find_pyproject, load_config
from pooltune.lint.findings import Finding, Location
from pooltune.lint.incremental import StatementCache
from pooltune.lint.report import rule_url
from pooltune.lint.settings import LintSettings
from pooltune.lint.suppress import add_noqa, is_suppressed

SOURCE = "pooltune"
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# No pause by default: edits queued behind a running lint coalesce into one (as ruff's server
# lints each change); a pause only delays the first diagnostics after a keystroke.
DEFAULT_DEBOUNCE_S = 0.0
# Threads that lint documents: two lets a small document's lint share the CPU with a big one's
# (the GIL interleaves them) instead of queuing behind it; one document never has two at once.
LINT_THREADS = 2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentResult:
    version: int | None
    findings: tuple[Finding, ...]


@dataclass
class ConfigProblem:
    message: str
    reported: bool = False  # shown to the user once per version of the file, not per keystroke


@dataclass
class _CachedSettings:
    stamp: tuple[int, int] | None  # (mtime_ns, size) of the pyproject.toml read
    result: LintSettings | ConfigProblem


@dataclass
class ProjectSettings:
    """Lint settings per pyproject.toml, re-read when its mtime or size changes."""

    _cache: dict[Path | None, _CachedSettings] = field(default_factory=dict)

    def for_file(self, path: Path) -> LintSettings | ConfigProblem:
        """The settings for ``path``, or what is wrong with them (one line)."""
        pyproject = find_pyproject(path)
        stamp = _stamp(pyproject)
        cached = self._cache.get(pyproject)
        if cached is None or cached.stamp != stamp:
            if cached is not None:
                from pooltune.lint.project import forget_cached_dependencies

                forget_cached_dependencies()  # POOL007 reads the dependencies it declares
            try:
                cached = _CachedSettings(stamp, LintSettings.from_config(load_config(None, path)))
            except ConfigError as exc:
                cached = _CachedSettings(stamp, ConfigProblem(str(exc)))
            self._cache[pyproject] = cached
        return cached.result


def _stamp(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def lint_document(
    source: str, path: Path, settings: LintSettings, statements: StatementCache | None = None
) -> tuple[Finding, ...]:
    """The same engine, catalog, per-file codes, test-code exemptions and suppressions as
    `pooltune lint`. The buffer is linted with its own module summary alone (as `pooltune lint
    FILE`): joining it with the rest of the project would mean decoding every cached summary on
    each keystroke, and the buffer's unsaved edits are what matter here. ``statements`` keeps
    what libcst parsed of the document's previous version (its unchanged statements)."""
    from pooltune.lint.catalog import load_catalog
    from pooltune.lint.engine import lint_source
    from pooltune.lint.files import select_files
    from pooltune.lint.project import project_info_for
    from pooltune.lint.source import MAX_FILE_BYTES, file_too_large

    size = len(source.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        return (file_too_large(str(path), size),)
    if path.exists():
        selection = select_files([str(path)], settings.root, settings.exclude, force_exclude=True)
        if not selection.files:
            return ()  # excluded by the project's settings, as with `--force-exclude`
    codes = settings.codes_for(str(path))
    project = project_info_for(path)
    return lint_source(
        source,
        str(path),
        load_catalog(),
        codes,
        project,
        test_ignore=settings.test_ignore,
        statements=statements,
    ).findings


class PooltuneServer(LanguageServer):
    def __init__(self, debounce_s: float = DEFAULT_DEBOUNCE_S) -> None:
        super().__init__("pooltune", __version__)
        self.debounce_s = debounce_s
        self.settings = ProjectSettings()
        self.results: dict[str, DocumentResult] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.statements: dict[str, StatementCache] = {}  # per open document
        self.linting: dict[str, asyncio.Future[tuple[Finding, ...]]] = {}  # running, per document
        self.executor = ThreadPoolExecutor(
            max_workers=LINT_THREADS, thread_name_prefix="pooltune-lint"
        )

    def schedule(self, uri: str, delay: float) -> None:
        """Lint ``uri`` after ``delay`` seconds, replacing a lint not yet started for it."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        document = self.workspace.get_text_document(uri)
        version = document.version
        source = document.source
        path = document_path(document)
        setting = self.settings.for_file(path)
        if isinstance(setting, ConfigProblem):
            if not setting.reported:
                setting.reported = True
                self.report_config_error(setting.message)
            self.publish(uri, DocumentResult(version, ()))
            return
        loop = asyncio.get_running_loop()
        running = self.linting.get(uri)
        if running is not None and not running.done():
            # The document's statement cache is one lint's at a time. (asyncio.wait leaves the
            # running lint alone if this task is cancelled by a newer edit.)
            await asyncio.wait([running])
            if self.workspace.get_text_document(uri).version != version:
                return  # a newer edit has its own lint scheduled
        try:
            statements = self.statements.setdefault(uri, StatementCache())
            job = loop.run_in_executor(
                self.executor, lint_document, source, path, setting, statements
            )
            self.linting[uri] = job
            # shielded: a newer edit cancels this task, not the lint, whose end it waits for
            findings = await asyncio.shield(job)
        except Exception as exc:  # a bug of ours must not take the editor's server down
            log.exception("pooltune: linting %s failed", uri)
            self.window_log_message(
                types.LogMessageParams(
                    types.MessageType.Error, f"pooltune: internal error on {uri}: {exc!r}"
                )
            )
            return
        current = self.workspace.get_text_document(uri)
        if current.version != version or uri not in self.open_uris():
            return  # overtaken by a newer edit, or closed meanwhile
        self.publish(uri, DocumentResult(version, findings))

    def open_uris(self) -> set[str]:
        return set(self.workspace.text_documents)

    def publish(self, uri: str, result: DocumentResult) -> None:
        self.results[uri] = result
        document = self.workspace.get_text_document(uri)
        diagnostics = [to_diagnostic(document, f) for f in result.findings]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=result.version)
        )

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.results.pop(uri, None)
        self.statements.pop(uri, None)
        self.linting.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def report_config_error(self, message: str) -> None:
        text = f"pooltune: invalid configuration: {message}"
        self.window_show_message(types.ShowMessageParams(types.MessageType.Error, text))
        self.window_log_message(types.LogMessageParams(types.MessageType.Error, text))


def document_path(document: TextDocument) -> Path:
    """The file behind a document; an unsaved buffer lints as if it were in the cwd."""
    path = to_fs_path(document.uri) if document.uri.startswith("file:") else None
    return Path(path) if path else Path(os.getcwd()) / "untitled.py"


def to_range(document: TextDocument, start: Location, end: Location) -> types.Range:
    """1-based rows and code-point columns -> the client's 0-based lines and code units."""
    server_range = ServerTextRange(
        ServerTextPosition(start.row - 1, start.column - 1),
        ServerTextPosition(end.row - 1, end.column - 1),
    )
    return document.position_codec.range_to_client_units(_lines(document.source), server_range)


def _lines(source: str) -> list[str]:
    """The document's lines as Python and the LSP count them (``\\n``, ``\\r\\n``, ``\\r``):
    pygls' ``document.lines`` uses ``str.splitlines``, which also breaks at a form feed or
    U+2028 and would shift every position after one."""
    return LINE.findall(source)


def to_diagnostic(document: TextDocument, finding: Finding) -> types.Diagnostic:
    is_parse_error = finding.code == "POOL000"
    return types.Diagnostic(
        range=to_range(document, finding.location, finding.end_location),
        message=finding.message,
        severity=types.DiagnosticSeverity.Error
        if is_parse_error
        else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=None if is_parse_error else types.CodeDescription(rule_url(finding.code)),
        source=SOURCE,
    )


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def code_actions(
    document: TextDocument, findings: Sequence[Finding], wanted: types.Range
) -> list[types.CodeAction]:
    """A fix (where the finding has one) and a `# noqa` for each finding in ``wanted``."""
    actions: list[types.CodeAction] = []
    lines = [line.rstrip("\r\n") for line in _lines(document.source)]
    for finding in findings:
        diagnostic = to_diagnostic(document, finding)
        if not _overlaps(diagnostic.range, wanted) or finding.code == "POOL000":
            continue
        if finding.fix is not None and all(e.filename is None for e in finding.fix.edits):
            # (a fix that spans files is applied by `pooltune lint --fix`, not from one buffer)
            unsafe = finding.fix.applicability == "unsafe"
            edits = [
                types.TextEdit(to_range(document, e.location, e.end_location), e.content)
                for e in finding.fix.edits
            ]
            actions.append(
                types.CodeAction(
                    title=f"{finding.fix.message} ({finding.code}{', unsafe' if unsafe else ''})",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=not unsafe,
                    edit=_workspace_edit(document, edits),
                )
            )
        row = finding.location.row
        line = lines[row - 1] if 0 < row <= len(lines) else ""
        if is_suppressed(line, finding.code):
            continue
        new_line = add_noqa(line, finding.code)
        line_range = to_range(document, Location(row, 1), Location(row, len(line) + 1))
        actions.append(
            types.CodeAction(
                title=f"Disable {finding.code} for this line (# noqa: {finding.code})",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=_workspace_edit(document, [types.TextEdit(line_range, new_line)]),
            )
        )
    return actions


def _workspace_edit(document: TextDocument, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    identifier = types.OptionalVersionedTextDocumentIdentifier(document.uri, document.version)
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(identifier, list(edits))])


def build_server(debounce_s: float = DEFAULT_DEBOUNCE_S) -> PooltuneServer:
    server = PooltuneServer(debounce_s)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PooltuneServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PooltuneServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce_s)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PooltuneServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PooltuneServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(
        ls: PooltuneServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        result = ls.results.get(uri)
        document = ls.workspace.get_text_document(uri)
        if result is None or result.version != document.version:
            return None  # stale: the diagnostics for this text are on their way
        return code_actions(document, result.findings, params.range) or None

    return server


def server(
    debounce_ms: Annotated[
        float, typer.Option(help="Wait this long after an edit before linting it (ms).", min=0)
    ] = DEFAULT_DEBOUNCE_S * 1000,
) -> None:
    """Run the language server (LSP over stdio) for editors."""
    logging.basicConfig(level=logging.WARNING, format="pooltune server: %(message)s")
    from pooltune.lint.lsp_stdio import serve_stdio

    server = build_server(debounce_ms / 1000)
    _settle_memory()
    serve_stdio(server)


def _settle_memory() -> None:
    """Import what linting needs, then keep the collector off what lives as long as the
    process: a full collection would walk every object of libcst, pygls and the catalog
    again, ~60 ms in the middle of an edit every few edits. Fewer, smaller young-generation
    collections too, as in `pooltune lint`'s workers."""
    import gc

    from pooltune.lint.catalog import load_catalog
    from pooltune.lint.engine import lint_source  # noqa: F401  (imports libcst)
    from pooltune.lint.workers import GC_THRESHOLDS

    load_catalog()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
