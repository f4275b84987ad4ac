"""What makes the public form safe to put on the internet: headers, CSRF, size limits, clients."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_FORM_FIELDS = 40


class RequestTooLarge(Exception):
    """The request body is larger than the form accepts."""


class UnsupportedForm(Exception):
    """The request body is not a URL-encoded form."""


def csrf_token(secret: str, session_id: str) -> str:
    """The synchroniser token for a session: an HMAC of its id, so nothing more is stored."""
    return hmac.new(secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: str, session_id: str | None, token: str) -> bool:
    if not session_id or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, session_id), token)


async def read_form(request: Request, max_bytes: int) -> dict[str, list[str]]:
    """The URL-encoded form of a POST, refusing more than `max_bytes` however it is sent."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        raise RequestTooLarge
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise UnsupportedForm
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise RequestTooLarge
    try:
        return parse_qs(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise UnsupportedForm from error


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    """The client's address: the peer, or, behind a trusted proxy, the last address in
    X-Forwarded-For that is not itself a trusted proxy (the left end is the client's to forge)."""
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if address not in trusted_proxies:
            return address
    return peer


class SecurityHeaders:
    """Pure ASGI middleware: a CSP nonce per request and the security headers on every response."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for name, value in self._headers(nonce, static=path.startswith("/assets")):
                    headers.append((name.encode("latin-1"), value.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(self, nonce: str, *, static: bool) -> list[tuple[str, str]]:
        headers = [
            (
                "Content-Security-Policy",
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{nonce}'; "
                "style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            ),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cross-Origin-Resource-Policy", "same-origin"),
        ]
        if not static:
            # Pages carry a child's details: never kept by the browser or a proxy.
            headers.append(("Cache-Control", "no-store"))
        if self.https:
            headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        return headers
