"""Sending email: the only module that knows yagmail.

Every message is built here with the standard library, as its reader's mail client will show it;
yagmail only opens the connection (TLS, login). Its own message builder is not used: it turns each
newline of a plain-text body into ``<br>`` in the text/plain part, adds a second ``From`` header
beside ours, and gives two emails with the same subject and recipient the same Message-ID.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import default
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

import yagmail

from adapters.settings import Settings

SMTP_TIMEOUT_SECONDS = 15

# Headers are not folded below SMTP's own limit: the standard library folds a subject that fits on
# a line of its own onto the next line ("Subject:" CRLF " [CME-...]"), and the reader is then shown
# a subject that starts with a space.
POLICY = default.clone(max_line_length=998)


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
    message = build_message(
        sender=settings.smtp_sender,
        to=to,
        subject=subject,
        body=body,
        html=html,
        attachments=attachments,
    )
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
        smtp.login()
        # Raises if the relay refuses the sender or every recipient, or drops the connection.
        smtp.smtp.send_message(message, to_addrs=to)
    finally:
        smtp.close()


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    body: str,
    html: str | None = None,
    attachments: Sequence[Path] = (),
) -> EmailMessage:
    """One email: a plain-text body, an HTML alternative if any, then attachments if any."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for path in attachments:
        mimetype, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (mimetype or "application/octet-stream").partition("/")
        # The product writes its text documents (chronology CSV) in UTF-8; a child's name with an
        # accent must not reach the reader as ASCII replacement marks.
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(
            path.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=path.name,
            params=params,
        )
    return message
