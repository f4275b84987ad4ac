"""Sending email: the only module that knows yagmail."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

import yagmail

from adapters.settings import Settings

SMTP_TIMEOUT_SECONDS = 15


class EmailNotAcceptedError(RuntimeError):
    """The relay did not accept the message (yagmail reports this by returning False)."""


def send_email(
    *,
    settings: Settings,
    to: list[str],
    subject: str,
    body: str,
    html: str | None = None,
    attachments: Sequence[Path] = (),
) -> None:
    """Send one email through the configured SMTP relay; raises on any failure.

    With ``html`` the message is multipart/alternative: ``body`` as plain text, ``html`` beside it.
    ``attachments`` (letters, chronologies) go with a plain-text message.
    """
    if html is not None and attachments:
        raise ValueError("attachments: only a plain-text message carries attachments")
    password = settings.smtp_password.get_secret_value()
    smtp = yagmail.SMTP(
        user=settings.smtp_user if password else settings.smtp_sender,
        password=password or None,
        host=settings.smtp_host,
        port=settings.smtp_port,
        smtp_starttls=settings.smtp_tls == "starttls",
        smtp_ssl=settings.smtp_tls == "ssl",
        smtp_skip_login=not password,
        soft_email_validation=False,
        # A send holds the notification's row lock (on SQLite, the write lock): a relay that
        # stalls must give up well before another writer's 30 s busy timeout does.
        timeout=SMTP_TIMEOUT_SECONDS,
    )
    try:
        if html is None:
            # yagmail turns a str into HTML; a one-element list of a pre-wrapped string keeps it
            # plain.
            result = smtp.send(
                to=to,
                subject=subject,
                contents=[body],
                headers={"From": settings.smtp_sender},
                attachments=[str(path) for path in attachments] or None,
            )
        else:
            # yagmail derives its plain part from its HTML part; a message built here keeps the
            # two as written, and yagmail's connection (TLS, login) still sends it.
            smtp.login()
            message = _alternative(settings=settings, to=to, subject=subject, body=body, html=html)
            smtp.smtp.send_message(message)
            result = True
        if result is False:
            raise EmailNotAcceptedError(f"the relay {settings.smtp_host} dropped the connection")
    finally:
        smtp.close()


def _alternative(
    *, settings: Settings, to: list[str], subject: str, body: str, html: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.smtp_sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(body)
    message.add_alternative(html, subtype="html")
    return message
