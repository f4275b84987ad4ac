"""The documents server: letters and chronologies, read-only over HTTP on 127.0.0.1.

Officers open a letter from the link in a decision form or the case summary (Markdown in the
Prefect UI), so their browser needs a URL for it. This serves files under the state folder's
letters/ and chronology/ folders and nothing else: no listing, no writes, no path outside them.
In production it sits behind the council's proxy (CME_DOCUMENTS_URL is then the public base URL).
"""

from __future__ import annotations

import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from adapters.settings import Settings, settings_or_exit

UNAVAILABLE = "Documents are not available at the moment; try again in a minute"

CONTENT_TYPES = {".pdf": "application/pdf", ".csv": "text/csv; charset=utf-8"}


def resolve_document(settings: Settings, url_path: str) -> Path | None:
    """The file a URL path names, if it is a PDF or CSV inside letters/ or chronology/."""
    parts = unquote(urlsplit(url_path).path).strip("/").split("/")
    if len(parts) < 2 or any(part in ("", ".", "..") for part in parts):
        return None
    roots = {"letters": settings.letters_dir, "chronology": settings.chronology_dir}
    root = roots.get(parts[0])
    if root is None:
        return None
    root = root.resolve()
    candidate = root.joinpath(*parts[1:]).resolve()
    if not candidate.is_relative_to(root) or candidate.suffix not in CONTENT_TYPES:
        return None
    return candidate if candidate.is_file() else None


def handler_for(settings: Settings) -> type[BaseHTTPRequestHandler]:
    class DocumentHandler(BaseHTTPRequestHandler):
        server_version = "cme-documents"

        def _send(self, head_only: bool) -> None:
            try:
                path = resolve_document(settings, self.path)
                content = None if path is None else path.read_bytes()
            except OSError as error:  # the folder is on a share that is away for a moment
                sys.stderr.write(f"{self.path}: {error.strerror or type(error).__name__}\n")
                self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, UNAVAILABLE)
                return
            if path is None or content is None:
                self.send_error(HTTPStatus.NOT_FOUND, "No such document")
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", CONTENT_TYPES[path.suffix])
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Content-Disposition", f'inline; filename="{path.name}"')
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head_only:
                self.wfile.write(content)

        def do_GET(self) -> None:
            self._send(head_only=False)

        def do_HEAD(self) -> None:
            self._send(head_only=True)

        def log_message(self, format: str, *args: object) -> None:
            # The request line only: paths carry case references, never a child's name.
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return DocumentHandler


def main() -> None:
    settings = settings_or_exit()
    server = ThreadingHTTPServer(("127.0.0.1", settings.documents_port), handler_for(settings))
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
