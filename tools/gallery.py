"""Write docs/gallery.md: every screenshot the browser and letter tests take, in one place.

`make screenshots` runs those tests with CME_UPDATE_GUIDE=1 (so they write docs/screenshots/) and
then this, so a reviewer sees every page, form and letter as its reader does, side by side.
Run alone: `python -m tools.gallery`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
SCREENSHOTS = DOCS / "screenshots"
GALLERY = DOCS / "gallery.md"


@dataclass(frozen=True)
class Section:
    title: str
    reader: str
    pattern: str  # a regular expression on the file name


SECTIONS = (
    Section("Officers' front door", "CME officers and the team lead", r"^front-door-"),
    Section("Signing in to the Prefect UI", "everyone on the team", r"^sign-in-"),
    Section("An officer's day in the Prefect UI", "CME officers", r"^\d\d-"),
    Section("The referral and decision forms", "CME officers", r"^form-"),
    Section("Letters (first page)", "parents, other councils, legal services", r"^letter-"),
    Section("Public referral form", "members of the public and schools", r"^public-form-"),
)


def caption(name: str) -> str:
    """The file name as words: `form-s437-response.png` -> `S437 response`."""
    stem = re.sub(r"^(\d\d-|front-door-|sign-in-|form-|letter-|public-form-)", "", name)
    words = stem.removesuffix(".png").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def gallery(shots: list[str]) -> str:
    lines = [
        "# Gallery: every page, form and letter as its reader sees it",
        "",
        "Written by `make screenshots` (the browser and letter tests with `CME_UPDATE_GUIDE=1`, "
        "then `python -m tools.gallery`). Each picture is what Chromium showed, or the letter's "
        "PDF rendered, on the day it was last refreshed.",
        "",
    ]
    left = sorted(shots)
    for section in SECTIONS:
        mine = [s for s in left if re.search(section.pattern, s)]
        left = [s for s in left if s not in mine]
        if not mine:
            continue
        lines += [f"## {section.title}", "", f"Read by {section.reader}.", ""]
        for shot in mine:
            lines += [f"### {caption(shot)}", "", f"![{caption(shot)}](screenshots/{shot})", ""]
    if left:
        lines += ["## Other", ""]
        lines += [f"![{caption(shot)}](screenshots/{shot})\n" for shot in left]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    shots = [path.name for path in SCREENSHOTS.glob("*.png")]
    GALLERY.write_text(gallery(shots), encoding="utf-8")
    sys.stdout.write(f"{GALLERY.relative_to(DOCS.parent)}: {len(shots)} screenshots\n")


if __name__ == "__main__":
    main()
