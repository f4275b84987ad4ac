"""The token bucket and which address is the client, behind a proxy or not."""

from __future__ import annotations

from starlette.requests import Request

from public_form.ratelimit import RateLimiter
from public_form.security import client_address


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_one_request_per_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=2, clock=clock)

    assert [limiter.allow("a"), limiter.allow("a")] == [0.0, 0.0]
    assert limiter.allow("a") == 10.0
    assert limiter.allow("b") == 0.0  # another client has its own bucket
    clock.now = 10.0
    assert limiter.allow("a") == 0.0


def test_a_limiter_forgets_idle_clients_rather_than_grow_without_bound() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock, max_clients=10)
    for n in range(100):
        limiter.allow(f"client-{n}")
        clock.now += 0.5

    assert len(limiter._buckets) <= 10


def _request(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    assert client_address(_request("203.0.113.9", "198.51.100.1"), frozenset()) == "203.0.113.9"
    trusted = frozenset({"10.0.0.2"})
    assert client_address(_request("10.0.0.2", "198.51.100.1"), trusted) == "198.51.100.1"
    # The left of the header is the client's to forge: the right-most untrusted entry counts.
    forged = "6.6.6.6, 198.51.100.1"
    assert client_address(_request("10.0.0.2", forged), trusted) == "198.51.100.1"
