"""send_once against a real database and a real SMTP server on loopback: an email is sent once
however often it is asked for, a failed send is recorded and sent later, and two callers at once
send it once."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from adapters.settings import Settings, load_settings
from store.orm import Notification
from tasks.send_once import Claim, Message, SendFailed, send_once
from tests.mail import Inbox, body_of, start_smtp

LEAD_EMAIL = "cme.team.lead@example.gov.uk"
AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _settings(port: int) -> Settings:
    return load_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})


class _Clock:
    """A pinned clock that moves a minute per reading, so each recorded time is distinct."""

    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class SlowInbox(Inbox):
    """A relay that takes a while to accept, so two senders overlap."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.5)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    controller, inbox = start_smtp(_free_port())
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def _claim(key: str = "caseload-digest:2026-11-02") -> Claim:
    return Claim(natural_key=key, kind="caseload_digest", subject="Caseload digest")


def _notifications(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_a_second_call_for_the_same_key_sends_nothing(
    engine: Engine, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    message = Message(subject="Caseload digest", body="12 open cases")

    first = send_once(
        engine=engine,
        settings=_settings(port),
        to=[LEAD_EMAIL],
        claims=[_claim()],
        message=message,
        clock=_Clock(),
    )
    second = send_once(
        engine=engine,
        settings=_settings(port),
        to=[LEAD_EMAIL],
        claims=[_claim()],
        message=message,
        clock=_Clock(),
    )

    assert first and first.sent == ("caseload-digest:2026-11-02",)
    assert not second and second.already_sent == ("caseload-digest:2026-11-02",)
    assert len(inbox.messages) == 1 and body_of(inbox.messages[0]).strip() == "12 open cases"
    [notification] = _notifications(engine)
    assert notification.attempts == 1 and notification.recipients == [LEAD_EMAIL]


def test_a_failed_send_is_recorded_unsent_and_a_later_call_sends_it(
    engine: Engine, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    message = Message(subject="Caseload digest", body="12 open cases")

    with pytest.raises(SendFailed) as failed:
        send_once(
            engine=engine,
            settings=_settings(_free_port()),  # nothing listens there: the relay is down
            to=[LEAD_EMAIL],
            claims=[_claim()],
            message=message,
            clock=_Clock(),
        )

    assert failed.value.natural_keys == ("caseload-digest:2026-11-02",)
    [unsent] = _notifications(engine)
    assert unsent.sent_at is None and unsent.attempts == 1
    assert unsent.last_error is not None
    assert unsent.last_error.startswith("ConnectionRefusedError: ")
    assert str(failed.value) == unsent.last_error

    later = send_once(
        engine=engine,
        settings=_settings(port),
        to=[LEAD_EMAIL],
        claims=[_claim()],
        message=message,
        clock=_Clock(),
    )

    assert later.sent == ("caseload-digest:2026-11-02",)
    assert len(inbox.messages) == 1
    [sent] = _notifications(engine)
    assert sent.sent_at is not None and sent.attempts == 2


def test_an_email_of_several_claims_lists_only_those_not_yet_sent(
    engine: Engine, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    first, second = _claim("digest:a"), _claim("digest:b")
    listed: list[list[str]] = []

    def compose(unsent: Sequence[Claim]) -> Message:
        listed.append([claim.natural_key for claim in unsent])
        return Message(subject="Due", body=", ".join(claim.natural_key for claim in unsent))

    for claims in ([first], [first, second], [first, second]):
        send_once(
            engine=engine,
            settings=_settings(port),
            to=[LEAD_EMAIL],
            claims=claims,
            message=compose,
            clock=_Clock(),
        )

    assert listed == [["digest:a"], ["digest:b"]]
    assert [body_of(m).strip() for m in inbox.messages] == ["digest:a", "digest:b"]


@pytest.mark.postgres
def test_two_callers_at_once_send_the_email_once(engine: Engine) -> None:
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    start = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            start.wait(timeout=30)
            result = send_once(
                engine=engine,
                settings=_settings(controller.port),
                to=[LEAD_EMAIL],
                claims=[_claim()],
                message=Message(subject="Caseload digest", body="12 open cases"),
                clock=_Clock(),
            )
            results.append(bool(result))
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=call) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        controller.stop()

    assert errors == []
    assert sorted(results) == [False, True]
    assert len(inbox.messages) == 1
    [notification] = _notifications(engine)
    assert notification.sent_at is not None and notification.attempts == 1
