"""Who is calling: HTTP Basic credentials checked against the person store, or the council's single
sign-on proxy's identity header; failed sign-ins rate limited and logged without the password.

argon2 costs tens of milliseconds by design, and the Prefect UI sends the credentials on every
call, so a verified pair is remembered (by a SHA-256 of it, never the password) together with the
stored hash it was verified against. Every call still reads the person's current hash: a reset or
a disabling refuses the old credentials at the next call, not after a cache expires.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from models.access import Person
from store import people
from store.database import session_scope

logger = logging.getLogger("cme.gateway")

# Failed sign-ins allowed per username within the window, then 429.
MAX_FAILURES = 5
# ... and per client address: higher, since behind the council's proxy every officer shares one
# address, and one person's mistyped password must not lock out the whole team.
MAX_FAILURES_PER_CLIENT = 50
FAILURE_WINDOW_SECONDS = 60.0
CLIENT_KEY = "client:"


class SignInRefused(Exception):
    """The call carries no acceptable identity; ``status`` is 401 or 429."""

    def __init__(self, status: int, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class FailureLimiter:
    """At most MAX_FAILURES failed sign-ins per username, MAX_FAILURES_PER_CLIENT per client
    address, per window."""

    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, *keys: str) -> float:
        """Seconds until these keys may try again (0.0: now)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                times = self._failures.get(key)
                if not times:
                    continue
                while times and now - times[0] >= FAILURE_WINDOW_SECONDS:
                    times.popleft()
                limit = MAX_FAILURES_PER_CLIENT if key.startswith(CLIENT_KEY) else MAX_FAILURES
                if len(times) >= limit:
                    longest = max(longest, FAILURE_WINDOW_SECONDS - (now - times[0]))
        return longest

    def fail(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 100_000:
                self._failures.clear()
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)


def _parse_networks(addresses: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(address.strip(), strict=False)
        for address in addresses.split(",")
        if address.strip()
    ]


@dataclass
class SignIn:
    """Turns a request's headers and peer address into a `Person`, or refuses it."""

    engine: Engine
    trusted_proxies: str = ""
    identity_header: str = "x-remote-user"
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    # sha256(username \0 password) -> (username, the stored hash it was verified against)
    _verified: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._proxies = _parse_networks(self.trusted_proxies)
        self.identity_header = self.identity_header.lower()

    def _from_proxy(self, client: str) -> bool:
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in network for network in self._proxies)

    def identify(self, headers: dict[str, str], client: str) -> Person:
        """The signed-in person for a call (blocking: run it in a worker thread).

        Args:
            headers: The request's headers, names in lower case.
            client: The peer address.

        Raises:
            SignInRefused: 401 without acceptable credentials, 429 after too many failures.
        """
        if self._proxies and self._from_proxy(client) and self.identity_header in headers:
            return self._single_sign_on(headers[self.identity_header].strip().lower(), client)
        username, password = _basic_credentials(headers.get("authorization"))
        if username is None or password is None:
            raise SignInRefused(401, "sign in with your username and password")
        keys = (f"user:{username}", f"{CLIENT_KEY}{client}")
        retry_after = self.limiter.wait(*keys)
        if retry_after > 0:
            logger.warning(
                "sign-in refused (too many failures): user=%r client=%s", username, client
            )
            raise SignInRefused(429, "too many failed sign-ins; try again later", retry_after)
        digest = hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()
        # One read per call, on a plain connection (the cheapest way): the person as stored now,
        # so a disabling or a reset counts from the next call; argon2 only when these
        # credentials were not verified against this very hash before.
        with self.engine.connect() as connection:
            current = people.sign_in_state(session=connection, username=username)
        fingerprint: str | None = None
        if current is not None and not current[0].disabled:
            stored_now, fingerprint = current
            if fingerprint is not None and self._verified.get(digest) == (username, fingerprint):
                return stored_now
        with session_scope(self.engine) as session:
            person = people.verify_credentials(
                session=session, username=username, password=password
            )
        if person is None or fingerprint is None:
            self._verified.pop(digest, None)
            self.limiter.fail(*keys)
            logger.warning("sign-in failed: user=%r client=%s", username, client)
            raise SignInRefused(401, "wrong username or password, or the account is disabled")
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified[digest] = (username, fingerprint)
        return person

    def _single_sign_on(self, username: str, client: str) -> Person:
        with session_scope(self.engine) as session:
            person = people.get_person(session=session, username=username)
        if person is None or person.disabled:
            logger.warning("single sign-on refused: user=%r proxy=%s", username, client)
            raise SignInRefused(401, "this person may not use the product")
        return person


def _basic_credentials(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    username, separator, password = decoded.partition(":")
    if not separator:
        return None, None
    return username.strip().lower(), password
