"""The catalog (rules/libraries.toml) as typed, validated data: every library trait rules read.

No rule module names a library: what a client is, how it is closed, which keyword sets its
timeout, which transports never touch the network, which decorators make a request handler...
all come from here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from pooltune._strict import TableError, from_table
from pooltune._toml import tomllib

ClientKind = Literal["pool", "connector", "sdk"]
# The context-manager protocol: a client entered with `with` is closed by its `__exit__`.
CONTEXT_EXIT_METHODS = ("__exit__", "__aexit__")
TimeoutStyle = Literal["fields", "total"]


class CatalogError(ValueError):
    """rules/libraries.toml does not have the catalog's shape (a packaging bug, not the user's)."""


@dataclass(frozen=True)
class ClientEntry:
    names: tuple[str, ...]
    kind: ClientKind
    is_async: bool
    close: tuple[str, ...]
    needs_running_loop: bool = False
    timeout_object_only: bool = False
    connector_param: str | None = None
    connector_owner_param: str | None = None
    limit_param: str | None = None
    limit_default: int | None = None
    conflicting_params: tuple[str, ...] = ()
    # A framework wrapper that builds a pool in its constructor (LangChain, litellm): which
    # versions do, in words (messages and docs quote it).
    pool_versions: str = ""
    pool_per_instance: bool = True  # False: current versions share one cached pool
    transport_class: str | None = None  # the transport it builds itself (POOL014's fix)
    async_twin: str | None = None  # the async client with the same constructor (POOL008's fix)


@dataclass(frozen=True)
class LibraryEntry:
    name: str
    modules: tuple[str, ...]
    implicit_calls: tuple[str, ...] = ()
    implicit_calls_async: bool = False
    blocking_calls: tuple[str, ...] = ()
    request_methods: tuple[str, ...] = ()
    stream_methods: tuple[str, ...] = ()
    send_methods: tuple[str, ...] = ()
    timeout_param: str | None = None
    timeout_positional: int | None = None
    timeout_required_per_call: bool = False
    timeout_none_disables: bool = False
    timeout_example: str = "timeout=30.0"
    timeout_fix: str | None = None  # the value POOL003's unsafe fix writes for `timeout=`
    timeout_object_fix: str | None = None  # the arguments it gives an empty timeout object
    timeout_class: tuple[str, ...] = ()
    timeout_style: TimeoutStyle | None = None
    timeout_fields: tuple[str, ...] = ()
    timeout_pool_fields: tuple[str, ...] = ()
    limits_class: tuple[str, ...] = ()
    limits_defaults: dict[str, int] = field(default_factory=dict, hash=False)
    limits_param: str | None = None
    http2_param: str | None = None
    transport_param: str | None = None
    transport_options: tuple[str, ...] = ()  # client keywords only its own transport reads
    inprocess_transports: tuple[str, ...] = ()
    inprocess_params: tuple[str, ...] = ()
    sdk_http_client_param: str | None = None
    sdk_http_client_libraries: tuple[str, ...] = ()
    sdk_pool: str = ""
    sdk_default_http_clients: tuple[str, ...] = ()
    sdk_default_http_client: str | None = None
    sdk_default_async_http_client: str | None = None
    resources: tuple[str, ...] = ()
    admin_resources: tuple[str, ...] = ()  # `models`, `beta.assistants`: account management
    client: tuple[ClientEntry, ...] = ()
    # A framework that wraps an HTTP library (LangChain, litellm): its clients are catalog
    # entries, but its other functions are ordinary code (a client passed to them is followed
    # like one passed to the user's own functions, not taken as kept by a library).
    wrapper: bool = False


@dataclass(frozen=True)
class Helpers:
    use: tuple[str, ...] = ()
    close: tuple[str, ...] = ()


@dataclass(frozen=True)
class OccasionalStep:
    """A kind of step that runs now and then (`account step`), known by the words of a
    function's name: it must hold one word of each set (`[["refresh"], ["token", "access"]]`)."""

    kind: str
    words: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Runtime:
    route_owners: tuple[str, ...] = ()
    route_methods: tuple[str, ...] = ()
    task_owners: tuple[str, ...] = ()
    task_owner_methods: tuple[str, ...] = ()
    task_decorators: tuple[str, ...] = ()
    cli_decorators: tuple[str, ...] = ()
    cli_owners: tuple[str, ...] = ()
    cli_owner_methods: tuple[str, ...] = ()
    cli_param_calls: tuple[str, ...] = ()
    setup_method_words: tuple[str, ...] = ()
    lambda_handler_names: tuple[str, ...] = ()
    lambda_handler_params: tuple[str, ...] = ()
    cache_decorators: tuple[str, ...] = ()
    property_decorators: tuple[str, ...] = ()
    context_decorators: tuple[str, ...] = ()
    fixture_decorators: tuple[str, ...] = ()
    exempt_function_names: tuple[str, ...] = ()
    validator_decorators: tuple[str, ...] = ()
    field_factories: tuple[str, ...] = ()
    field_factory_param: str = "default_factory"
    loop_runners: tuple[str, ...] = ()
    sleeps: tuple[str, ...] = ()
    dependency_markers: tuple[str, ...] = ()
    startup_hooks: tuple[str, ...] = ()
    thread_offloaders: tuple[str, ...] = ()
    thread_offload_methods: tuple[str, ...] = ()
    deadline_calls: tuple[str, ...] = ()
    deadline_contexts: tuple[str, ...] = ()
    clocks: tuple[str, ...] = ()
    hot_path_class_suffixes: tuple[str, ...] = ()
    tool_class_suffixes: tuple[str, ...] = ()
    local_url_schemes: tuple[str, ...] = ()
    request_method_words: tuple[str, ...] = ()
    http_verb_methods: tuple[str, ...] = ()
    websocket_methods: tuple[str, ...] = ()
    occasional_steps: tuple[OccasionalStep, ...] = ()
    slow_poll_seconds: int = 1


@dataclass(frozen=True)
class _CatalogFile:
    library: tuple[LibraryEntry, ...]
    helpers: Helpers = field(default_factory=Helpers)
    runtime: Runtime = field(default_factory=Runtime)


@dataclass(frozen=True)
class ClientSpec:
    """One constructor of a connection pool, resolved to its library."""

    qualname: str  # how it was reached (a re-export, a factory function...)
    display: str  # how messages name it: the class (`requests.Session`)
    library: LibraryEntry
    entry: ClientEntry

    @property
    def kind(self) -> ClientKind:
        return self.entry.kind

    @property
    def is_async(self) -> bool:
        return self.entry.is_async

    @property
    def close_methods(self) -> tuple[str, ...]:
        return self.entry.close

    @property
    def needs_running_loop(self) -> bool:
        return self.entry.needs_running_loop

    @property
    def closers(self) -> frozenset[str]:
        """The calls that close this client: its own close methods and the exit protocol."""
        return frozenset((*self.entry.close, *CONTEXT_EXIT_METHODS))


@dataclass(frozen=True)
class CallSpec:
    """A module-level function that opens a connection (and its own pool) per call."""

    qualname: str
    library: LibraryEntry
    implicit: bool  # builds and drops a pool per call (requests.get); False: a bare blocking call

    @property
    def blocking(self) -> bool:
        return not (self.implicit and self.library.implicit_calls_async)


class Catalog:
    """Lookups by fully qualified name, as QualifiedNameProvider resolves them."""

    def __init__(
        self,
        libraries: tuple[LibraryEntry, ...],
        helpers: Helpers | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.libraries = libraries
        self.helpers = helpers or Helpers()
        self.runtime = runtime or Runtime()
        self.clients: dict[str, ClientSpec] = {}
        self.calls: dict[str, CallSpec] = {}
        self.timeout_classes: dict[str, LibraryEntry] = {}
        self.limits_classes: dict[str, LibraryEntry] = {}
        self.inprocess_transports: dict[str, LibraryEntry] = {}
        self.libraries_by_name: dict[str, LibraryEntry] = {lib.name: lib for lib in libraries}
        self.sdk_default_http_clients: frozenset[str] = frozenset(
            name for lib in libraries for name in lib.sdk_default_http_clients
        )
        for lib in libraries:
            for entry in lib.client:
                for name in entry.names:
                    self.clients[name] = ClientSpec(name, entry.names[0], lib, entry)
            for module in lib.modules:
                for func in lib.implicit_calls:
                    self.calls[f"{module}.{func}"] = CallSpec(f"{module}.{func}", lib, True)
            for name in lib.blocking_calls:
                self.calls[name] = CallSpec(name, lib, False)
            self.timeout_classes.update(dict.fromkeys(lib.timeout_class, lib))
            self.limits_classes.update(dict.fromkeys(lib.limits_class, lib))
            self.inprocess_transports.update(dict.fromkeys(lib.inprocess_transports, lib))
        # Top-level package names, for the cheap "does this file import a catalog library" check.
        self.top_level_modules: frozenset[str] = frozenset(
            module.split(".")[0] for lib in libraries for module in lib.modules
        )
        # Whatever client it is (a parameter, an attribute whose class is unknown): any close
        # method of the catalog, or the exit protocol. One definition for every rule and phase.
        self.closers: frozenset[str] = frozenset(
            (*CONTEXT_EXIT_METHODS, *(m for s in self.clients.values() for m in s.entry.close))
        )
        # The HTTP libraries themselves: a client passed into them is theirs from then on.
        self.http_library_modules: frozenset[str] = frozenset(
            module.split(".")[0] for lib in libraries if not lib.wrapper for module in lib.modules
        )
        self.use_helpers = frozenset(self.helpers.use)
        self.close_helpers = frozenset(self.helpers.close)
        # Every listed name and the modules on its way (`httpx`, `openai.lib.azure`): an import
        # of anything else from a catalog library (a type, an exception) builds no client.
        listed = (
            *self.clients,
            *self.calls,
            *self.timeout_classes,
            *self.limits_classes,
            *self.inprocess_transports,
            *self.sdk_default_http_clients,
        )
        self.name_prefixes: frozenset[str] = frozenset(
            ".".join(parts[:end])
            for parts in (name.split(".") for name in listed)
            for end in range(1, len(parts) + 1)
        )
        self.listed_names: frozenset[str] = frozenset(listed)
        # Each module on the way to a listed name -> the next parts of the listed names below
        # it (`httpx` -> `Client`, `get`, `Timeout`...): which of its members can matter.
        members: dict[str, set[str]] = {}
        for name in listed:
            parts = name.split(".")
            for end in range(1, len(parts)):
                members.setdefault(".".join(parts[:end]), set()).add(parts[end])
        self.listed_members: dict[str, frozenset[str]] = {
            module: frozenset(names) for module, names in members.items()
        }

    def client(self, qualname: str) -> ClientSpec | None:
        return self.clients.get(qualname)

    def call(self, qualname: str) -> CallSpec | None:
        return self.calls.get(qualname)

    def sdk_default_for(self, library: LibraryEntry, is_async: bool) -> str | None:
        return (
            library.sdk_default_async_http_client if is_async else library.sdk_default_http_client
        )


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
    return Catalog(data.library, data.helpers, data.runtime)


@functools.cache
def load_catalog() -> Catalog:
    return parse_catalog((catalog_dir() / "libraries.toml").read_text(encoding="utf-8"))
