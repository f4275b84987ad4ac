"""The gallery shows every screenshot once, under the heading of who reads it."""

from __future__ import annotations

from tools.gallery import caption, gallery


def test_every_screenshot_is_shown_once_under_its_readers_heading() -> None:
    shots = [
        "public-form-start.png",
        "form-s437-response.png",
        "letter-s437-notice.png",
        "05-referral-check-form.png",
        "front-door-case.png",
        "something-new.png",
    ]

    page = gallery(shots)

    for shot in shots:
        assert page.count(f"(screenshots/{shot})") == 1, shot
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Officers' front door",
        "## An officer's day in the Prefect UI",
        "## The referral and decision forms",
        "## Letters (first page)",
        "## Public referral form",
        "## Other",
    ]
    assert page.index("form-s437-response.png") < page.index("letter-s437-notice.png")


def test_a_caption_reads_as_words() -> None:
    assert caption("form-s437-response.png") == "S437 response"
    assert caption("05-referral-check-form.png") == "Referral check form"
    assert caption("public-form-429-referrals.png") == "429 referrals"
