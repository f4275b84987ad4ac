"""Sending email: the only module that knows yagmail."""

from __future__ import annotations

import yagmail

from models.settings import Settings


def send_email(*, settings: Settings, to: list[str], subject: str, body: str) -> None:
    """Send one plain-text email through the configured SMTP relay; raises on any failure."""
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
    )
    try:
        # yagmail turns a str into HTML; a one-element list of a pre-wrapped string keeps it plain.
        smtp.send(to=to, subject=subject, contents=[body], headers={"From": settings.smtp_sender})
    finally:
        smtp.close()
