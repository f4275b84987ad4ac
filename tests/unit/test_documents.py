"""The documents server hands out PDFs and CSVs under letters/ and chronology/, and nothing else."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from adapters.settings import Settings
from launcher.documents import handler_for, resolve_document


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home")
    (settings.letters_dir / "CME-2026-00001").mkdir(parents=True)
    (settings.letters_dir / "CME-2026-00001" / "notice-1-abc.pdf").write_bytes(b"%PDF-1.7 letter")
    (settings.chronology_dir / "CME-2026-00001").mkdir(parents=True)
    (settings.chronology_dir / "CME-2026-00001" / "chronology-1.csv").write_text("a,b\n")
    (settings.state_dir / "cases.db").write_bytes(b"secret")
    (settings.letters_dir / "notes.txt").write_text("not a document")
    return settings


@pytest.mark.parametrize(
    "path",
    [
        "/letters/CME-2026-00001/notice-1-abc.pdf",
        "/chronology/CME-2026-00001/chronology-1.csv",
        "/letters/CME-2026-00001/notice-1-abc.pdf?download=1",
    ],
)
def test_a_letter_or_chronology_is_found(settings: Settings, path: str) -> None:
    found = resolve_document(settings, path)
    assert found is not None and found.is_file()


@pytest.mark.parametrize(
    "path",
    [
        "/cases.db",
        "/letters/../cases.db",
        "/letters/%2e%2e/cases.db",
        "/letters/CME-2026-00001/../../cases.db",
        "/letters//etc/passwd",
        "/letters/notes.txt",
        "/letters/CME-2026-00001",
        "/letters/CME-2026-00001/missing.pdf",
        "/results/x.pdf",
        "/",
    ],
)
def test_anything_else_is_refused(settings: Settings, path: str) -> None:
    assert resolve_document(settings, path) is None


def test_a_symlink_out_of_the_letters_folder_is_refused(settings: Settings) -> None:
    (settings.letters_dir / "CME-2026-00001" / "escape.pdf").symlink_to(
        settings.state_dir / "cases.db"
    )
    assert resolve_document(settings, "/letters/CME-2026-00001/escape.pdf") is None


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(settings))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_server_returns_a_pdf_inline_and_refuses_writes(server: str) -> None:
    with urllib.request.urlopen(f"{server}/letters/CME-2026-00001/notice-1-abc.pdf") as response:
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.read() == b"%PDF-1.7 letter"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{server}/cases.db")
    assert refused.value.code == 404
    request = urllib.request.Request(
        f"{server}/letters/CME-2026-00001/new.pdf", data=b"x", method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as put:
        urllib.request.urlopen(request)
    assert put.value.code == 501


def test_a_folder_away_for_a_moment_is_answered_503_in_plain_words(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stale(_path: Path) -> bytes:
        raise OSError(116, "Stale file handle")

    monkeypatch.setattr(Path, "read_bytes", stale)
    with pytest.raises(urllib.error.HTTPError) as away:
        urllib.request.urlopen(f"{server}/letters/CME-2026-00001/notice-1-abc.pdf")
    assert away.value.code == 503
    page = away.value.read().decode()
    assert "Documents are not available at the moment; try again in a minute" in page
    assert "Traceback" not in page
