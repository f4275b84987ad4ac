"""The signed session cookie and the CSRF tokens: HMAC-SHA256 with the front door's secret.

The cookie holds the username, a digest of the person's stored password hash (so a password reset
or a disabling ends every session at the next page load), a random session id (the CSRF tokens are
HMACs of it) and when it was issued. Nothing else is kept on the server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

COOKIE = "cme_front_door"
SIGN_IN_COOKIE = "cme_front_door_sign_in"
LIFETIME = timedelta(hours=10)


@dataclass(frozen=True)
class SessionData:
    username: str
    fingerprint: str
    session_id: str
    issued_at: datetime


def fingerprint_digest(password_hash: str) -> str:
    """What the cookie carries of the stored hash: a digest, never the hash itself."""
    return hashlib.sha256(f"front-door:{password_hash}".encode()).hexdigest()[:32]


def _mac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def new_session(username: str, password_hash: str, now: datetime) -> SessionData:
    return SessionData(
        username=username,
        fingerprint=fingerprint_digest(password_hash),
        session_id=secrets.token_urlsafe(24),
        issued_at=now,
    )


def encode(secret: str, data: SessionData) -> str:
    body = json.dumps(
        {
            "u": data.username,
            "f": data.fingerprint,
            "s": data.session_id,
            "t": data.issued_at.isoformat(),
        },
        separators=(",", ":"),
    )
    payload = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    return f"{payload}.{_mac(secret, 'session:' + payload)}"


def decode(secret: str, cookie: str | None, now: datetime) -> SessionData | None:
    """The session if the cookie is ours, untampered and not expired; else None."""
    if not cookie or "." not in cookie:
        return None
    payload, _, mac = cookie.rpartition(".")
    if not hmac.compare_digest(_mac(secret, "session:" + payload), mac):
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        data = SessionData(
            username=str(raw["u"]),
            fingerprint=str(raw["f"]),
            session_id=str(raw["s"]),
            issued_at=datetime.fromisoformat(str(raw["t"])),
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if data.issued_at.tzinfo is None or not (data.issued_at <= now < data.issued_at + LIFETIME):
        return None
    return data


def csrf_token(secret: str, session_id: str) -> str:
    return _mac(secret, f"csrf:{session_id}")


def csrf_valid(secret: str, session_id: str | None, token: str) -> bool:
    if not session_id or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, session_id), token)
