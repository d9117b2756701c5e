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
    # no refusal limit: from the sweep's planned top, a cap above the target is found too
    assert burst.first_size(24, Limit(), top=36) == 36
    assert burst.first_size(16, Limit(12, "queues", [12]), top=24) == 24
    assert burst.first_size(24, Limit(29, "refuses", [29]), top=36) == 24


def test_a_refused_burst_asks_next_for_what_the_server_took() -> None:
    seen = _rounds(75, 35, 35, 36)
    assert burst.next_size(seen) == 39  # the least it took whole
    seen += _rounds(39, 0, 0, 0)
    assert burst.next_size(seen) is None  # taken whole: done
    assert burst.next_size(_rounds(16, 0, 0, 0)) is None


def test_a_burst_refused_whole_is_bisected() -> None:
    """uvicorn --limit-concurrency 30 counts open connections: 36 pre-opened connections get
    36 refusals, which says nothing of the 29 it takes; bisect between clean and refused."""
    seen = _rounds(36, 36, 36, 36)
    assert burst.next_size(seen) == 18
    seen += _rounds(18, 0, 0, 0)
    assert burst.next_size(seen) == 27
    seen += _rounds(27, 0, 0, 0)
    assert burst.next_size(seen) == 31
    seen += _rounds(31, 31, 31, 31)
    assert burst.next_size(seen) == 29
    seen += _rounds(29, 0, 0, 0)
    assert burst.next_size(seen) == 30
    seen += _rounds(30, 30, 30, 30)
    assert burst.next_size(seen) is None  # 29 clean, 30 refused
    facts = burst.facts(seen)
    assert facts is not None and facts.limit == 29 and facts.confirmed


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


def test_no_limit_is_claimed_unless_a_size_was_taken_whole() -> None:
    facts = burst.facts(_rounds(50, 10) + _rounds(40, 3))
    assert facts is not None and facts.limit is None and facts.clean_up_to is None
    assert "no burst limit is claimed" in facts.evidence


def test_bursts_lower_the_sweeps_limit_never_raise_it() -> None:
    refused_at_40 = burst.facts(_rounds(50, 10, 10, 10) + _rounds(40, 0, 0, 0))
    assert burst.with_bursts(Limit(), refused_at_40) == Limit(
        40, "refuses", [40, 40, 40], source="burst"
    )
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
