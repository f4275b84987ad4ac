"""Documents on disk: letters and chronologies rendered to PDF with WeasyPrint, and written whole.

A document is written beside its target and renamed over it, so a reader (the documents server, a
court bundle) never sees half a file; its SHA-256 is what the case record keeps to prove it later.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from adapters.settings import PROJECT_ROOT
from adapters.templating import render

# Every letter template extends this layout, so a change to it changes every letter's wording.
LAYOUT = "letters/_layout.html.j2"


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a letter or chronology template to PDF bytes."""
    # Imported here, not at the top: WeasyPrint takes ~0.8 CPU-seconds to import, and every stage
    # of every case is a process that imports the letters tasks, while few of them write a letter.
    from weasyprint import HTML

    html = render(template, **context)
    pdf = HTML(string=html, base_url=str(PROJECT_ROOT / "templates")).write_pdf()
    assert isinstance(pdf, bytes)  # write_pdf returns the bytes when given no target
    return pdf


def template_version(template: str) -> str:
    """The SHA-256 of the template's source and its layout: which wording a letter used."""
    digest = hashlib.sha256()
    for name in (LAYOUT, template):
        digest.update((PROJECT_ROOT / "templates" / name).read_bytes())
    return digest.hexdigest()


def sha256_of(content: bytes) -> str:
    """The hex SHA-256 a document is recorded and named by."""
    return hashlib.sha256(content).hexdigest()


def write_document(target: Path, content: bytes) -> str:
    """Write ``content`` to ``target`` atomically, creating its folder; returns its SHA-256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, target)
    return sha256_of(content)
