"""The front door's pure parts: urgency and red/amber/green, the name search, the session cookie,
the sign-in throttle and the dates an officer types."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from front_door import pages, session
from front_door.throttle import SignInThrottle
from models.access import Person, Role
from models.casework import CaseloadEntry, Rag, SearchCandidate, SearchQuery, by_urgency, search
from models.enums import CaseStatus, Stage

TODAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 10, tzinfo=UTC)


def entry(reference: str, due: date | None, *, paused: bool = False) -> CaseloadEntry:
    return CaseloadEntry(
        reference=reference,
        flow_run_id=uuid.uuid4(),
        officer_id="o",
        dspl_area=1,
        status=CaseStatus.OPEN,
        stage=Stage.HOME_VISIT,
        due_on=due,
        clock_paused=paused,
        forenames="A",
        surname="B",
        date_of_birth=date(2015, 1, 1),
        opened_at=NOW,
    )


def test_urgency_puts_the_most_overdue_first_and_paused_or_undated_last() -> None:
    lines = by_urgency(
        [
            entry("undated", None),
            entry("later", date(2026, 12, 30)),
            entry("paused", date(2026, 10, 1), paused=True),
            entry("today", TODAY),
            entry("late-3", date(2026, 12, 1)),
            entry("late-30", date(2026, 11, 4)),
        ],
        TODAY,
    )
    assert [(line.entry.reference, line.days_overdue, line.rag) for line in lines] == [
        ("late-30", 30, Rag.RED),
        ("late-3", 3, Rag.RED),
        ("today", 0, Rag.AMBER),
        ("later", 0, Rag.GREEN),
        ("paused", 0, Rag.GREEN),
        ("undated", 0, Rag.GREEN),
    ]
    assert lines[-2].awaiting.endswith("(clock paused)")


def test_amber_is_due_within_five_days() -> None:
    assert by_urgency([entry("x", TODAY + timedelta(days=4))], TODAY)[0].rag is Rag.AMBER
    assert by_urgency([entry("x", TODAY + timedelta(days=5))], TODAY)[0].rag is Rag.GREEN


def candidate(reference: str, forenames: str, surname: str, *aliases: str) -> SearchCandidate:
    return SearchCandidate(
        reference=reference,
        status=CaseStatus.OPEN,
        officer_id="o",
        stage=None,
        forenames=forenames,
        surname=surname,
        aliases=aliases,
        date_of_birth=date(2015, 1, 1),
        address="1 Road",
        postcode="AL1 1AA",
        upn=None,
        schools=(),
        opened_at=NOW,
        closed_at=None,
    )


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Kowalski", ["k"]),
        ("kowalsky", ["k"]),  # a typo
        ("KOWALSKI", ["k"]),
        ("Zoë", ["z"]),  # the accent as typed or not
        ("zoe smith", ["z"]),
        ("O'Brien", ["o"]),
        ("obrien", ["o"]),
        ("Jones", ["k"]),  # an alias
        ("Smith", ["z"]),
        ("Brown", []),
    ],
)
def test_the_name_search_finds_close_spellings_and_aliases(typed: str, found: list[str]) -> None:
    candidates = [
        candidate("k", "Anna", "Kowalski", "Anna Jones"),
        candidate("z", "Zoe", "Smith"),
        candidate("o", "Sean", "O'Brien"),
    ]
    assert [h.candidate.reference for h in search(candidates, SearchQuery(name=typed))] == found


def test_an_empty_search_finds_nothing() -> None:
    assert search([candidate("k", "Anna", "Kowalski")], SearchQuery(name="  ")) == []


def test_the_session_cookie_is_signed_and_expires() -> None:
    data = session.new_session("north.officer", "$argon2id$hash", NOW)
    cookie = session.encode("secret" * 8, data)

    assert session.decode("secret" * 8, cookie, NOW + timedelta(hours=1)) == data
    assert session.decode("another" * 8, cookie, NOW) is None
    assert session.decode("secret" * 8, cookie, NOW + session.LIFETIME) is None
    assert session.decode("secret" * 8, cookie, NOW - timedelta(minutes=1)) is None
    payload, mac = cookie.rsplit(".", 1)
    assert session.decode("secret" * 8, payload[:-2] + "xx." + mac, NOW) is None
    assert session.decode("secret" * 8, "garbage", NOW) is None
    assert "argon2" not in cookie and data.fingerprint != "$argon2id$hash"


def test_the_throttle_counts_failures_per_username_and_per_client() -> None:
    now = [0.0]
    throttle = SignInThrottle(per_username=2, per_client=3, window_seconds=60, clock=lambda: now[0])
    throttle.failed("a", "10.0.0.1")
    throttle.failed("a", "10.0.0.1")
    assert throttle.wait("a", "10.0.0.2") == 60
    assert throttle.wait("b", "10.0.0.1") == 0
    throttle.failed("b", "10.0.0.1")
    assert throttle.wait("c", "10.0.0.1") == 60
    now[0] = 61
    assert throttle.wait("a", "10.0.0.1") == 0
    throttle.failed("d", "10.0.0.3")
    throttle.succeeded("d")
    throttle.failed("d", "10.0.0.3")
    assert throttle.wait("d", "10.0.0.3") == 0


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14/03/2015", date(2015, 3, 14)),
        ("14-3-2015", date(2015, 3, 14)),
        ("2015-03-14", date(2015, 3, 14)),
        ("", None),
    ],
)
def test_dates_are_read_day_first(typed: str, expected: date | None) -> None:
    assert pages.parse_day(typed) == expected


@pytest.mark.parametrize("typed", ["31/02/2015", "March 2015", "14/03/15"])
def test_a_date_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        pages.parse_day(typed)


@pytest.mark.parametrize(
    ("roles", "sees", "everyone"),
    [
        ({Role.OFFICER}, True, False),
        ({Role.TEAM_LEAD}, True, True),
        ({Role.HEAD_OF_SERVICE}, True, True),
        ({Role.ADMIN}, False, False),
        ({Role.RUNNER}, False, False),
        ({Role.OFFICER, Role.RUNNER}, False, False),
    ],
)
def test_who_sees_personal_data(roles: set[Role], sees: bool, everyone: bool) -> None:
    person = Person(username="p1", display_name="P", roles=frozenset(roles))
    assert pages.may_see_personal_data(person) is sees
    assert pages.sees_every_case(person) is everyone
