"""`pooltune server`: time from an edit (didChange) to its diagnostics (publishDiagnostics).

A real LSP client (pygls) starts the server over stdio, opens a document, then sends edits one
at a time and waits for the diagnostics of each new version. Each edit types a comment at the
end of a line in the middle of the document (inside a function, as an edit usually is; the
client sends the whole text). Reported per document: the median and the worst of the edits
(with the server's --debounce-ms, default 0, included) and per 1,000 lines, next to the engine
alone on the edited text, without and with the statements of the previous version (what the
server keeps per document). Documents: a generated 1,000-line module that uses httpx
throughout (every function goes through libcst), the largest modules of the installed openai
package, and any --file given (e.g. the densest files of the bench/realcode corpus).

    python bench/lsp_latency.py [--edits 15] [--debounce-ms 0] [--file PATH ...]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

BLOCK = '''

async def fetch_{i}(client: httpx.AsyncClient, url: str) -> dict[str, object]:
    """Fetch one page of results, retrying once on a transport error."""
    for attempt in range(2):
        try:
            response = await client.get(url, params={{"page": {i}}})
            response.raise_for_status()
            return dict(response.json())
        except httpx.TransportError:
            if attempt:
                raise
    return {{}}


def settings_{i}() -> httpx.Limits:
    limits = httpx.Limits(max_connections={i} + 10, max_keepalive_connections={i} + 10)
    values = [n * {i} for n in range(10) if n % 2]
    total = sum(values)
    return limits if total else httpx.Limits()
'''


def generated_module(lines: int) -> str:
    text = "import httpx\n"
    i = 0
    while text.count("\n") < lines:
        text += BLOCK.format(i=i)
        i += 1
    return "\n".join(text.splitlines()[:lines]) + "\n"


def largest_openai_modules(count: int) -> list[Path]:
    spec = importlib.util.find_spec("openai")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))
    files = [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:count]


def edited(text: str, version: int) -> str:
    """The text with ``# edit N`` typed at the end of its middle line (the previous one
    replaced, so the text stays the same size)."""
    lines = text.split("\n")
    middle = len(lines) // 2
    lines[middle] = lines[middle].split("  # edit ")[0] + f"  # edit {version}"
    return "\n".join(lines)


async def measure(
    python: str, documents: list[tuple[str, Path, str]], edits: int, debounce_ms: float
) -> list[tuple[str, int, list[float]]]:
    client = LanguageClient("lsp-latency-bench", "1")
    arrived: dict[tuple[str, int | None], float] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        arrived[(params.uri, params.version)] = time.perf_counter()

    async def wait(uri: str, version: int) -> float:
        while (uri, version) not in arrived:
            await asyncio.sleep(0.001)
        return arrived[(uri, version)]

    await client.start_io(python, "-m", "pooltune", "server", "--debounce-ms", str(debounce_ms))
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    results = []
    for label, path, text in documents:
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
        )
        await wait(uri, 1)
        times = []
        for version in range(2, edits + 2):
            text = edited(text, version)
            start = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(version, uri),
                    [types.TextDocumentContentChangeWholeDocument(text)],
                )
            )
            times.append(await wait(uri, version) - start)
        results.append((label, text.count("\n"), times))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--debounce-ms", type=float, default=0.0)
    parser.add_argument("--file", type=Path, action="append", default=[])
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pyproject.toml").write_text('[project]\nname = "b"\ndependencies = ["httpx"]\n')
        documents = [("generated, httpx throughout", folder / "gen.py", generated_module(1000))]
        for i, source in enumerate(largest_openai_modules(2)):
            copy = folder / f"{i}_{source.name}"
            copy.write_text(source.read_text(encoding="utf-8"))
            documents.append((f"openai/{'/'.join(source.parts[-3:])}", copy, copy.read_text()))
        for i, source in enumerate(args.file):
            copy = folder / f"file{i}_{source.name}"
            copy.write_text(source.read_text(encoding="utf-8"))
            documents.append(("/".join(source.parts[-3:]), copy, copy.read_text()))
        results = asyncio.run(measure(args.python, documents, args.edits, args.debounce_ms))
        engine = [engine_seconds(path, text, args.edits) for _, path, text in documents]
    print(f"load average {os.getloadavg()[0]:.2f}; debounce {args.debounce_ms:.0f} ms included\n")
    print(
        "| document | lines | edit -> diagnostics, median | worst | per 1,000 lines "
        "| engine alone, median | with the previous version's statements |"
    )
    print("|---|---|---|---|---|---|---|")
    for (label, lines, times), (fresh, kept) in zip(results, engine, strict=True):
        median = statistics.median(times)
        print(
            f"| {label} | {lines:,} | {median * 1000:.0f} ms | {max(times) * 1000:.0f} ms "
            f"| {median * 1000 * 1000 / lines:.0f} ms | {fresh * 1000:.0f} ms "
            f"| {kept * 1000:.0f} ms |"
        )


def engine_seconds(path: Path, text: str, edits: int) -> tuple[float, float]:
    """The same lint of the same edits without the server, each from scratch and each with the
    statements of the version before: what the server adds is the difference."""
    from pooltune.config import load_config
    from pooltune.lint.incremental import StatementCache
    from pooltune.lint.server import lint_document
    from pooltune.lint.settings import LintSettings

    settings = LintSettings.from_config(load_config(None, path))
    lint_document(text, path, settings)  # imports, catalog
    statements = StatementCache()
    lint_document(text, path, settings, statements)
    fresh, kept = [], []
    for version in range(2, edits + 2):
        text = edited(text, version)
        start = time.perf_counter()
        lint_document(text, path, settings)
        middle = time.perf_counter()
        lint_document(text, path, settings, statements)
        kept.append(time.perf_counter() - middle)
        fresh.append(middle - start)
    return statistics.median(fresh), statistics.median(kept)


if __name__ == "__main__":
    main()
