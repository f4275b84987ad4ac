"""The product's stylesheet in Prefect's UI: served at `/cme-ui.css`, linked from every index.html.

The UI is a single-page app: every page the browser loads is index.html, so one `<link>` injected
there reaches every view. The request's accept-encoding is removed for those responses so the body
arrives uncompressed and can be edited; content-length is recomputed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STYLESHEET_PATH = "/cme-ui.css"
_STYLESHEET = Path(__file__).parent / "static" / "cme-ui.css"
_LINK = f'<link rel="stylesheet" href="{STYLESHEET_PATH}">'.encode()


def _is_page(scope: Scope) -> bool:
    """A GET outside the API and the UI's assets: the UI answers these with index.html."""
    path = str(scope.get("path", ""))
    return (
        scope.get("method") in ("GET", "HEAD")
        and not path.startswith(("/api/", "/assets/"))
        and path != "/api"
    )


def inject_link(html: bytes) -> bytes:
    """Put the stylesheet link last in <head>, so its rules follow the UI's own."""
    if _LINK in html or b"</head>" not in html:
        return html
    return html.replace(b"</head>", _LINK + b"</head>", 1)


def with_ui_overrides(app: ASGIApp) -> ASGIApp:
    """Wrap `app` so the UI's pages load the product's stylesheet."""
    stylesheet = _STYLESHEET.read_bytes()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_page(scope):
            await app(scope, receive, send)
            return
        if scope["path"] == STYLESHEET_PATH:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/css; charset=utf-8"),
                        (b"content-length", str(len(stylesheet)).encode()),
                        (b"cache-control", b"no-cache"),
                    ],
                }
            )
            body = b"" if scope["method"] == "HEAD" else stylesheet
            await send({"type": "http.response.body", "body": body})
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]
        scope = {**scope, "headers": headers}
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await _finish(start, b"".join(chunks), send)

        await app(scope, receive, capture)

    return wrapped


async def _finish(start: Message, body: bytes, send: Send) -> None:
    headers = list(start.get("headers", []))
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    encoded = any(k.lower() == b"content-encoding" for k, _ in headers)
    if content_type.startswith(b"text/html") and not encoded:
        body = inject_link(body)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
