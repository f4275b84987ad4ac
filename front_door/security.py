"""Headers on every response, the client's address, and reading a small URL-encoded form."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_FORM_BYTES = 8 * 1024
MAX_FORM_FIELDS = 10


class BadForm(Exception):
    """The POST body is too large or not a URL-encoded form."""


async def read_form(request: Request) -> dict[str, str]:
    """The first value of each field of a URL-encoded POST of at most ``MAX_FORM_BYTES``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadForm
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            raise BadForm
    try:
        fields = parse_qs(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise BadForm from error
    return {name: values[0] for name, values in fields.items()}


def client_address(request: Request) -> str:
    """The peer address (the front door sits behind no proxy it trusts by default)."""
    return request.client.host if request.client else "unknown"


class SecurityHeaders:
    """Pure ASGI middleware: a CSP nonce per request and the security headers on every response;
    pages (not assets) are never cached, since they carry children's details."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        static = str(scope.get("path", "")).startswith("/assets")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in self._headers(nonce, static=static)
                ]
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
            headers.append(("Cache-Control", "no-store"))
        if self.https:
            headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        return headers
