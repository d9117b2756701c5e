"""The child side of `pooltune monitor -- COMMAND`: instrument every client built, no code change.

Like `opentelemetry-instrument`, a `sitecustomize` on the child's PYTHONPATH calls `install()`.
It patches the constructors of `httpx.Client`/`AsyncClient`, the same in `httpx2` (which also
covers the openai and anthropic SDK clients: they build httpx2 clients), and
`aiohttp.ClientSession`, each right after its module is imported (an import hook, so a
program that never imports them pays nothing). Every patched constructor runs the original,
then `instrument(self)` (guarded: a failure is logged once). The process writes its snapshot
to `$POOLTUNE_MONITOR_DIR/<pid>.json` every interval and at exit; the parent merges them.
"""

from __future__ import annotations

import atexit
import functools
import importlib.abc
import importlib.machinery
import json
import os
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from pooltune.monitor.safety import report

TARGETS = {
    "httpx": ("Client", "AsyncClient"),
    "httpx2": ("Client", "AsyncClient"),
    "aiohttp": ("ClientSession",),
}
PATCHED = "_pooltune_patched"
LOADED_SUFFIX = ".loaded"  # $POOLTUNE_MONITOR_DIR/<pid>.loaded: this process runs the monitor
_installed = False


def _patched_init(original: Any) -> Any:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            from pooltune.monitor import instrument

            instrument(self)
        except Exception as exc:
            report(f"instrumenting a {type(self).__qualname__}", exc)

    setattr(__init__, PATCHED, True)
    return __init__


def patch_module(module: ModuleType) -> None:
    """Wrap the client constructors of an imported httpx/httpx2/aiohttp module."""
    for name in TARGETS.get(module.__name__, ()):
        cls = getattr(module, name, None)
        if cls is None or getattr(cls.__init__, PATCHED, False):
            continue
        cls.__init__ = _patched_init(cls.__init__)


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        try:
            patch_module(module)
        except Exception as exc:
            report(f"patching {module.__name__}", exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the real loader of the target modules."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in TARGETS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


def snapshot_path() -> str | None:
    folder = os.environ.get("POOLTUNE_MONITOR_DIR")
    return os.path.join(folder, f"{os.getpid()}.json") if folder else None


def write_snapshot() -> None:
    path = snapshot_path()
    if path is None:
        return
    try:
        from pooltune.monitor import process_monitor

        pools = process_monitor().pools()
        if not pools and not os.path.exists(path):
            return
        data = {
            "pid": os.getpid(),
            "argv": [os.path.basename(sys.argv[0])] if sys.argv else [],
            "pools": [p.model_dump(mode="json") for p in pools],
        }
        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except Exception as exc:
        report("writing the snapshot", exc)


def _writer(interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        write_snapshot()


def install() -> None:
    """Patch the clients (now for modules already imported, on import for the others),
    start the exporters the environment asks for, and write snapshots."""
    global _installed
    if _installed:
        return
    _installed = True
    _mark_loaded()
    if os.environ.get("POOLTUNE_MONITOR_QUIET"):
        import logging

        # the parent's live view shows the advice; log lines would tear its redraws
        logging.getLogger("pooltune.monitor").setLevel(logging.ERROR)
    for name in TARGETS:
        if name in sys.modules:
            patch_module(sys.modules[name])
    sys.meta_path.insert(0, _Finder())
    from pooltune.monitor.export import ensure_default_exporters

    ensure_default_exporters()
    port = os.environ.get("POOLTUNE_MONITOR_PROMETHEUS_PORT")
    if port:
        _start_prometheus(
            int(port), os.environ.get("POOLTUNE_MONITOR_PROMETHEUS_ADDR", "127.0.0.1")
        )
    if os.environ.get("POOLTUNE_MONITOR_OTLP"):
        from pooltune.monitor.export.otel import enable_otlp

        problem = enable_otlp()
        if problem:
            print(f"pooltune monitor: {problem}", file=sys.stderr)
    from pooltune.monitor.collector import HUB

    # Write at once when a client closes its pool: servers such as uvicorn end by re-raising
    # SIGTERM, and a process killed by a signal runs no atexit handler.
    HUB.on_shutdown.append(lambda stats: write_snapshot())
    interval = float(os.environ.get("POOLTUNE_MONITOR_INTERVAL", "2"))
    _start_writer(interval)
    atexit.register(write_snapshot)
    # A forked child keeps the atexit handler and its copy of the pools (the collector zeroes
    # their counts) but not the writer thread: it gets its own, writing to its own pid's file.
    if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
        os.register_at_fork(after_in_child=lambda: _start_writer(interval))


def _mark_loaded() -> None:
    """Tell the parent this process runs the monitor (it can then tell "no pool used" from
    "no process loaded the bootstrap": a command that sets its own PYTHONPATH drops it)."""
    folder = os.environ.get("POOLTUNE_MONITOR_DIR")
    if folder:
        try:
            with open(os.path.join(folder, f"{os.getpid()}{LOADED_SUFFIX}"), "w"):
                pass
        except OSError as exc:
            report("marking the process as monitored", exc)


def _start_writer(interval: float) -> None:
    thread = threading.Thread(
        target=_writer, args=(interval, threading.Event()), name="pooltune-monitor", daemon=True
    )
    thread.start()


def _start_prometheus(port: int, addr: str) -> None:
    try:
        from pooltune.monitor.export.prometheus import enable

        enable(port=port, addr=addr)
    except ImportError:
        print(
            "pooltune monitor: --prometheus-port needs prometheus-client: "
            "pip install 'pooltune[prometheus]'",
            file=sys.stderr,
        )
    except OSError as exc:
        # a second Python process of the same command: the first one serves the port
        report(f"serving /metrics on port {port}", exc)
