"""The catalog of client libraries (rules/libraries.toml) as typed, validated data."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pooltune._strict import TableError, from_table
from pooltune._toml import tomllib

ClientKind = Literal["pool", "connector", "sdk"]


class CatalogError(ValueError):
    """rules/libraries.toml does not have the catalog's shape (a packaging bug, not the user's)."""


@dataclass(frozen=True)
class ClientEntry:
    names: tuple[str, ...]
    kind: ClientKind
    is_async: bool
    close: tuple[str, ...]
    needs_running_loop: bool = False


@dataclass(frozen=True)
class LibraryEntry:
    name: str
    modules: tuple[str, ...]
    timeout_param: str | None = None
    timeout_class: tuple[str, ...] = ()
    limits_class: tuple[str, ...] = ()
    implicit_calls: tuple[str, ...] = ()
    blocking_calls: tuple[str, ...] = ()
    request_methods: tuple[str, ...] = ()
    timeout_required_per_call: bool = False
    http2_param: str | None = None
    sdk_http_client_param: str | None = None
    sdk_default_http_clients: tuple[str, ...] = ()
    client: tuple[ClientEntry, ...] = ()


@dataclass(frozen=True)
class _CatalogFile:
    library: tuple[LibraryEntry, ...]


@dataclass(frozen=True)
class ClientSpec:
    """One constructor of a connection pool, resolved to its library."""

    qualname: str
    library: LibraryEntry
    kind: ClientKind
    is_async: bool
    close_methods: tuple[str, ...]
    needs_running_loop: bool


@dataclass(frozen=True)
class CallSpec:
    """A module-level function that opens a connection (and its own pool) per call."""

    qualname: str
    library: LibraryEntry
    implicit: bool  # builds and drops a pool per call (requests.get); False: a bare blocking call


class Catalog:
    """Lookups by fully qualified name, as QualifiedNameProvider resolves them."""

    def __init__(self, libraries: tuple[LibraryEntry, ...]) -> None:
        self.libraries = libraries
        self.clients: dict[str, ClientSpec] = {}
        self.calls: dict[str, CallSpec] = {}
        self.timeout_classes: dict[str, LibraryEntry] = {}
        self.limits_classes: dict[str, LibraryEntry] = {}
        self.sdk_default_http_clients: frozenset[str] = frozenset(
            name for lib in libraries for name in lib.sdk_default_http_clients
        )
        for lib in libraries:
            for entry in lib.client:
                for name in entry.names:
                    self.clients[name] = ClientSpec(
                        name, lib, entry.kind, entry.is_async, entry.close, entry.needs_running_loop
                    )
            for module in lib.modules:
                for func in lib.implicit_calls:
                    self.calls[f"{module}.{func}"] = CallSpec(f"{module}.{func}", lib, True)
            for name in lib.blocking_calls:
                self.calls[name] = CallSpec(name, lib, False)
            self.timeout_classes.update(dict.fromkeys(lib.timeout_class, lib))
            self.limits_classes.update(dict.fromkeys(lib.limits_class, lib))
        # Top-level package names, for the cheap "does this file import a catalog library" check.
        self.top_level_modules: frozenset[str] = frozenset(
            module.split(".")[0] for lib in libraries for module in lib.modules
        )

    def client(self, qualname: str) -> ClientSpec | None:
        return self.clients.get(qualname)

    def call(self, qualname: str) -> CallSpec | None:
        return self.calls.get(qualname)


def catalog_dir() -> Path:
    """rules/ as shipped in the wheel (pooltune/_rules), or the source checkout's rules/."""
    packaged = Path(str(resources.files("pooltune"))) / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def parse_catalog(text: str) -> Catalog:
    try:
        data = from_table(_CatalogFile, tomllib.loads(text))
    except TableError as exc:
        raise CatalogError(f"libraries.toml: {exc}") from None
    return Catalog(data.library)


@functools.cache
def load_catalog() -> Catalog:
    return parse_catalog((catalog_dir() / "libraries.toml").read_text(encoding="utf-8"))
