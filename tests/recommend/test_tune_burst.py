"""tune/burst.py on recorded rounds: the next size, the burst limit and how it joins the
sweep's limit; and the burst probe's request bytes."""

from __future__ import annotations

from pooltune.model import BurstRound
from pooltune.probe.burst import _status, request_bytes
from pooltune.probe.target import ProbeRequest
from pooltune.tune import burst
from pooltune.tune.limits import Limit


def _rounds(size: int, *refused: int) -> list[BurstRound]:
    return [BurstRound(size=size, refused=r) for r in refused]


def test_the_first_size_is_the_target_or_the_semaphore_a_refusal_limit_sets() -> None:
    assert burst.first_size(50, Limit()) == 50
    assert burst.first_size(50, Limit(29, "refuses", [29])) == 29
    assert burst.first_size(16, Limit(29, "refuses", [29])) == 16
    assert burst.first_size(16, Limit(12, "queues", [12])) == 16


def test_a_refused_burst_asks_next_for_what_the_server_took() -> None:
    seen = _rounds(50, 10, 11, 10)
    assert burst.next_size(seen) == 39  # the least it took whole
    seen += _rounds(39, 0, 0, 0)
    assert burst.next_size(seen) is None  # clean: stop
    assert burst.next_size(_rounds(16, 0, 0, 0)) is None


def test_sizes_only_go_down_even_when_a_round_took_more() -> None:
    seen = _rounds(40, 1, 0, 0) + _rounds(39, 0, 2, 0)
    assert burst.next_size(seen) == 37


def test_facts_confirmed_limit_and_evidence() -> None:
    facts = burst.facts(_rounds(50, 10, 10, 10) + _rounds(40, 0, 0, 0))
    assert facts is not None
    assert (facts.limit, facts.clean_up_to, facts.confirmed) == (40, 40, True)
    assert "10, 10, 10 refused" in facts.evidence and "a burst of 40 whole" in facts.evidence


def test_facts_without_refusals_claim_no_limit() -> None:
    facts = burst.facts(_rounds(16, 0, 0, 0))
    assert facts is not None and facts.limit is None and facts.clean_up_to == 16
    assert "no burst up to 16" in facts.evidence
    assert burst.facts([]) is None


def test_an_unconfirmed_limit_says_so() -> None:
    facts = burst.facts(_rounds(50, 10) + _rounds(40, 3))
    assert facts is not None and facts.limit == 37 and facts.confirmed is False
    assert "not confirmed" in facts.evidence


def test_bursts_lower_the_sweeps_limit_never_raise_it() -> None:
    refused_at_40 = burst.facts(_rounds(50, 10, 10, 10) + _rounds(40, 0, 0, 0))
    assert burst.with_bursts(Limit(), refused_at_40) == Limit(40, "refuses", [40, 40, 40], "burst")
    # a queue the sweep saw is not what a burst meets: refusals are
    assert burst.with_bursts(Limit(60, "queues", [60]), refused_at_40).value == 40
    sweep = Limit(29, "refuses", [29, 29, 30])
    assert burst.with_bursts(sweep, refused_at_40) is sweep
    assert burst.with_bursts(sweep, burst.facts(_rounds(29, 0, 0, 0))) is sweep
    assert burst.with_bursts(Limit(), None) == Limit()


def test_request_bytes_close_the_connection_and_carry_the_body() -> None:
    request = ProbeRequest(
        url="https://api.example:8443/v1/chat?x=1",
        method="POST",
        headers=(("Authorization", "Bearer k"), ("Connection", "keep-alive")),
        body=b'{"a": 1}',
    )
    raw = request_bytes(request)
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v1/chat?x=1 HTTP/1.1"
    assert "Host: api.example:8443" in lines and "Connection: close" in lines
    assert "Connection: keep-alive" not in lines and "Content-Length: 8" in lines
    assert body == b'{"a": 1}'
    assert _status(b"HTTP/1.1 503 Service Unavailable\r\n") == 503
    assert _status(b"garbage") is None and _status(b"") is None
