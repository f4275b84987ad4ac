"""Every email read as its reader's mail client shows it.

Each email (tests/emails.py: every template under templates/emails/, rendered as its sender renders
it) goes through the real mail adapter to a real SMTP server on loopback; the bytes received are
parsed with the standard library, and the parts a person reads are checked: plain text with no
markup that reads as prose, well-formed HTML, one From, a subject with the case reference and no
personal data, and links that point at the configured Prefect UI.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from adapters.mailer import send_email
from adapters.settings import PROJECT_ROOT, Settings, load_settings
from tasks.notify import render_email
from tests.emails import CHILD_DETAILS, EmailCase, every_email
from tests.mail import Inbox, start_smtp

UI_URL = "https://cme.example.gov.uk/prefect"
SENDER = "Hertfordshire CME team <cme-automation@example.gov.uk>"
RECIPIENT = "priya.shah@example.gov.uk"
EMAILS = sorted(every_email(ui_url=UI_URL).keys())
TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
URL = re.compile(r"https?://[^\s<>\"')]+")
VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def received(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, EmailMessage]]:
    """Every email, sent through the adapter and parsed as received, by name."""
    controller, inbox = start_smtp(_free_port())
    settings: Settings = load_settings().model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": controller.port, "smtp_sender": SENDER}
    )
    emails = every_email(ui_url=UI_URL, documents=tmp_path_factory.mktemp("documents"))
    try:
        for email in emails.values():
            send_email(
                settings=settings,
                to=[RECIPIENT],
                subject=email.subject,
                body=email.body,
                html=email.html,
                attachments=email.attachments,
            )
        yield _by_subject(inbox, emails)
    finally:
        controller.stop()


def _by_subject(inbox: Inbox, emails: dict[str, EmailCase]) -> dict[str, EmailMessage]:
    messages = {str(message["Subject"]): message for message in inbox.messages}
    assert len(messages) == len(emails), "two emails share a subject"
    return {name: messages[email.subject] for name, email in emails.items()}


def _email(name: str) -> EmailCase:
    return every_email(ui_url=UI_URL)[name]


def _plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content()).replace("\r\n", "\n")


def _html(message: EmailMessage) -> str | None:
    part = message.get_body(preferencelist=("html",))
    return None if part is None else str(part.get_content())


class _Tags(HTMLParser):
    """Checks that every element opened is closed in order; keeps the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_every_email_template_is_read_here() -> None:
    templates = sorted(path.name for path in (PROJECT_ROOT / "templates" / "emails").iterdir())
    covered = sorted(
        name for email in every_email(ui_url=UI_URL).values() for name in email.templates
    )

    assert covered == templates


@pytest.mark.parametrize("name", EMAILS)
def test_email_has_one_from_the_configured_sender(
    name: str, received: dict[str, EmailMessage]
) -> None:
    message = received[name]

    assert message.get_all("From") == [SENDER]
    assert message.get_all("To") == [RECIPIENT]
    assert len(message.get_all("Message-ID") or []) == 1


def test_each_email_has_a_message_id_of_its_own(received: dict[str, EmailMessage]) -> None:
    ids = [str(message["Message-ID"]) for message in received.values()]

    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", EMAILS)
def test_subject_carries_the_case_reference_and_no_personal_data(
    name: str, received: dict[str, EmailMessage]
) -> None:
    subject = str(received[name]["Subject"])
    reference = _email(name).reference

    if reference is not None:
        assert reference in subject
    for detail in CHILD_DETAILS:
        assert detail not in subject


@pytest.mark.parametrize("name", EMAILS)
def test_plain_text_has_no_markup_and_reads_as_prose(
    name: str, received: dict[str, EmailMessage]
) -> None:
    text = _plain(received[name])

    assert TAG.findall(text) == []
    assert ENTITY.findall(text) == []
    for residue in ("{{", "}}", "{%", "%}", "{#", "None", "[]", "()", "  ,", " ."):
        assert residue not in text, f"{residue!r} in the plain text"
    assert "\n\n\n" not in text, "a run of blank lines"
    assert not text.startswith("\n") and text.endswith("\n")
    assert [line for line in text.splitlines() if line != line.rstrip()] == []


@pytest.mark.parametrize("name", EMAILS)
def test_plain_text_carries_the_reference_and_the_childs_name_as_written(
    name: str, received: dict[str, EmailMessage]
) -> None:
    text = _plain(received[name])
    email = _email(name)

    if email.reference is not None:
        assert email.reference in text
    if "child_name" in _template_source(email):
        assert "Zoë O'Brien-Hart" in text


def _template_source(email: EmailCase) -> str:
    return "".join(
        (PROJECT_ROOT / "templates" / "emails" / name).read_text("utf-8")
        for name in email.templates
    )


@pytest.mark.parametrize("name", EMAILS)
def test_links_point_at_the_configured_prefect_ui(
    name: str, received: dict[str, EmailMessage]
) -> None:
    message = received[name]
    text = _plain(message)
    html = _html(message) or ""

    found = set(URL.findall(text)) | set(URL.findall(html))
    assert bool(found) == bool(_email(name).links)
    assert [url for url in found if not url.startswith(UI_URL + "/")] == []
    for link in _email(name).links:
        assert link in URL.findall(text)
        if html:
            assert f'href="{link}"' in html


@pytest.mark.parametrize("name", [name for name in EMAILS if _email(name).html is not None])
def test_html_part_is_well_formed_and_says_what_the_plain_text_says(
    name: str, received: dict[str, EmailMessage]
) -> None:
    html = _html(received[name])
    assert html is not None, "the HTML alternative did not arrive"
    parser = _Tags()

    parser.feed(html)
    parser.close()

    assert parser.problems == []
    assert parser.open == []
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    visible = " ".join(" ".join(parser.text).split())
    for residue in ("{{", "{%", "None", "&lt;", "&amp;amp;"):
        assert residue not in visible
    plain = _plain(received[name])
    for line in ("This message was sent by the CME case automation",):
        assert line in visible and line in plain


@pytest.mark.parametrize("name", EMAILS)
def test_attachments_arrive_named_and_whole(name: str, received: dict[str, EmailMessage]) -> None:
    email = _email(name)
    message = received[name]

    attached = {str(part.get_filename()): part for part in message.iter_attachments()}

    assert sorted(attached) == sorted(path.name for path in email.attachments)
    for filename, part in attached.items():
        content = part.get_content()
        if filename.endswith(".pdf"):
            assert part.get_content_type() == "application/pdf"
            assert isinstance(content, bytes) and content.startswith(b"%PDF-")
        else:
            assert part.get_content_type() == "text/csv"
            assert "CME-2026-00042,Referral received" in content


def test_a_school_is_not_sent_a_link_it_cannot_open() -> None:
    # The notice goes to the school itself when the configuration lists it.
    _, body = render_email(
        "intake_flag_to_school",
        reference="DR-2026-00011",
        run_link=f"{UI_URL}/runs/flow-run/9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
        received_on="2026-11-16",
        items=[],
        groups=[
            {"school_name": "Marlborough Science Academy", "school_urn": "117654", "items": []}
        ],
        school_listed=True,
        team_email="cme.team@example.gov.uk",
    )

    assert URL.findall(body) == []
    assert "Please contact the CME team to start joint enquiries: cme.team@example.gov.uk" in body


@pytest.mark.parametrize("name", ["school_start_notice", "school_place_admissions"])
def test_a_school_or_the_admissions_team_gets_the_officer_and_no_link_it_cannot_open(
    name: str,
) -> None:
    # Neither signs in to the case system: the officer's address is their way back.
    email = every_email(ui_url=UI_URL)[name]

    assert URL.findall(email.body) == []
    assert "CME officer:" in email.body and "@" in email.body
