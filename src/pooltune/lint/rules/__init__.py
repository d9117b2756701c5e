"""The rule registry: a literal list, so what runs is visible in one place."""

from __future__ import annotations

from pooltune.lint.rule import Rule
from pooltune.lint.rules.pool001_client_per_request import ClientPerRequest
from pooltune.lint.rules.pool002_unclosed_client import UnclosedClient
from pooltune.lint.rules.pool003_no_timeout import NoTimeout
from pooltune.lint.rules.pool004_no_pool_timeout import NoPoolTimeout
from pooltune.lint.rules.pool005_invalid_pool_config import InvalidPoolConfig
from pooltune.lint.rules.pool006_pool_limits import PoolLimits
from pooltune.lint.rules.pool007_http2_without_h2 import Http2WithoutH2
from pooltune.lint.rules.pool008_blocking_http_in_async import BlockingHttpInAsync
from pooltune.lint.rules.pool009_unclosed_stream import UnclosedStream
from pooltune.lint.rules.pool010_pool_at_import import PoolAtImport
from pooltune.lint.rules.pool011_shared_connector_owned import SharedConnectorOwned
from pooltune.lint.rules.pool012_sdk_client_drops_limits import SdkClientDropsLimits
from pooltune.lint.rules.pool013_async_client_across_loops import AsyncClientAcrossLoops
from pooltune.lint.rules.pool014_transport_swallows_client_options import (
    TransportSwallowsClientOptions,
)
from pooltune.lint.rules.pool101_implicit_call_in_method import ImplicitCallInMethod
from pooltune.lint.rules.pool102_client_in_occasional_step import ClientInOccasionalStep

ALL_RULES: tuple[type[Rule], ...] = (
    ClientPerRequest,
    UnclosedClient,
    NoTimeout,
    NoPoolTimeout,
    InvalidPoolConfig,
    PoolLimits,
    Http2WithoutH2,
    BlockingHttpInAsync,
    UnclosedStream,
    PoolAtImport,
    SharedConnectorOwned,
    SdkClientDropsLimits,
    AsyncClientAcrossLoops,
    TransportSwallowsClientOptions,
    ImplicitCallInMethod,
    ClientInOccasionalStep,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
