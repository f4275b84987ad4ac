"""The front door over HTTP (in process, the real case database): who may sign in and see what,
the session and CSRF rules, the rate limit on failed sign-ins, and what a case page records."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine

from adapters.settings import Settings
from front_door.app import create_app
from front_door.throttle import SignInThrottle
from store import access_log, people
from store.database import session_scope
from tests.front_door.seed import NOW, PASSWORD, Seeded, seed_cases, seed_people

UI = "http://prefect.example.gov.uk"
DOCUMENTS = "http://documents.example.gov.uk"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    with session_scope(engine) as session:
        seed_people(session)
        return seed_cases(session)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(engine: Engine, seeded: Seeded, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(
        front_door_secret=SecretStr("s" * 40),
        prefect_ui_url=UI,
        documents_url=DOCUMENTS,
    )
    app = create_app(
        settings, engine=engine, clock=clock, throttle=SignInThrottle(per_username=3, per_client=6)
    )
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next: str = "/") -> int:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "csrf_token": _csrf(page.text),
            "username": username,
            "password": password,
            "next": next,
        },
        follow_redirects=False,
    )
    return int(response.status_code)


def test_a_page_needs_a_sign_in_and_comes_back_after_it(client: TestClient, seeded: Seeded) -> None:
    response = client.get(f"/cases/{seeded.overdue_most}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=")

    page = client.get(response.headers["location"])
    posted = client.post(
        "/sign-in",
        data={
            "csrf_token": _csrf(page.text),
            "username": "north.officer",
            "password": PASSWORD,
            "next": f"/cases/{seeded.overdue_most}",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/cases/{seeded.overdue_most}"
    cookie = posted.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert client.get(posted.headers["location"]).status_code == 200


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example"])
def test_a_sign_in_never_sends_the_browser_to_another_site(client: TestClient, target: str) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "csrf_token": _csrf(page.text),
            "username": "north.officer",
            "password": PASSWORD,
            "next": target,
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_a_sign_in_without_the_pages_token_is_refused(client: TestClient) -> None:
    client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"csrf_token": "forged", "username": "north.officer", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_officer_sees_their_own_cases_most_overdue_first(
    client: TestClient, seeded: Seeded
) -> None:
    assert sign_in(client, "north.officer") == 303

    page = client.get("/").text

    rows = re.findall(r'data-reference="([^"]+)"', page)
    assert rows == [seeded.overdue_most, seeded.due_soon, seeded.paused]
    assert "Alex Sample Testchild" in page and "14 Mar 2015" in page
    assert "As at 4 Dec 2026, 10:00" in page
    assert seeded.overdue_less not in page  # South's case


def test_the_team_lead_sees_everyone_and_filters(client: TestClient, seeded: Seeded) -> None:
    assert sign_in(client, "team.lead") == 303

    every = re.findall(r'data-reference="([^"]+)"', client.get("/").text)
    south = re.findall(
        r'data-reference="([^"]+)"', client.get("/?officer=cme-officer-dspl-6-9").text
    )
    overdue = re.findall(r'data-reference="([^"]+)"', client.get("/?overdue=yes").text)
    area = re.findall(r'data-reference="([^"]+)"', client.get("/?area=3").text)

    assert every == [seeded.overdue_most, seeded.overdue_less, seeded.due_soon, seeded.paused]
    assert south == [seeded.overdue_less]
    assert overdue == [seeded.overdue_most, seeded.overdue_less]
    assert area == [seeded.due_soon]


@pytest.mark.parametrize("username", ["admin.person", "runner"])
def test_admins_and_services_see_no_personal_data(client: TestClient, username: str) -> None:
    assert sign_in(client, username) == 303

    for path in ("/", "/search?name=Testchild", "/cases/anything"):
        response = client.get(path)
        assert response.status_code == 403
        assert "Testchild" not in response.text


def test_a_disabled_person_is_refused_at_the_next_page(
    client: TestClient, engine: Engine, clock: Clock
) -> None:
    assert sign_in(client, "north.officer") == 303
    assert client.get("/", follow_redirects=False).status_code == 200

    with session_scope(engine) as session:
        people.set_disabled(session=session, username="north.officer", disabled=True, now=NOW)

    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(client, "north.officer") == 401


def test_a_password_reset_ends_the_session(client: TestClient, engine: Engine) -> None:
    assert sign_in(client, "north.officer") == 303
    with session_scope(engine) as session:
        people.set_password(
            session=session, username="north.officer", password="another-password-22", now=NOW
        )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_session_expires(client: TestClient, clock: Clock) -> None:
    assert sign_in(client, "north.officer") == 303
    clock.now = NOW + timedelta(hours=11)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_failed_sign_ins_are_limited_and_logged_without_the_password(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="front_door")
    statuses = [sign_in(client, "north.officer", "wrong-password-123") for _ in range(3)]
    assert statuses == [401, 401, 401]

    # The right password is refused too while the username is limited.
    assert sign_in(client, "north.officer") == 429
    # Another username from the same client: limited per client after 6 failures.
    statuses = [sign_in(client, "south.officer", "wrong-password-456") for _ in range(3)]
    assert statuses == [401, 401, 401]
    assert sign_in(client, "team.lead") == 429

    assert "sign-in failed for 'north.officer'" in caplog.text
    assert "wrong-password" not in caplog.text and PASSWORD not in caplog.text


def test_sign_out_needs_the_token_and_ends_the_session(client: TestClient) -> None:
    assert sign_in(client, "north.officer") == 303
    page = client.get("/").text
    assert client.post("/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/", follow_redirects=False).status_code == 200

    response = client.post("/sign-out", data={"csrf_token": _csrf(page)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_case_page_shows_everything_and_records_the_view(
    client: TestClient, seeded: Seeded, engine: Engine
) -> None:
    assert sign_in(client, "south.officer") == 303

    page = client.get(f"/cases/{seeded.overdue_most}")

    assert page.status_code == 200
    text = page.text
    run = seeded.flow_run_ids[seeded.overdue_most]
    assert f'href="{UI}/runs/flow-run/{run}"' in text
    assert "Open the waiting form in Prefect" in text
    assert "14 days overdue" in text
    assert "signed in as north.officer" in text
    assert "Alex Example" in text and "1 Example Street, St Albans, AL1 3ER" in text
    assert "Case page viewed in the front door" in text
    with session_scope(engine) as session:
        (record,) = access_log.for_case(session=session, reference=seeded.overdue_most)
    assert (record.username, record.channel, record.action) == (
        "south.officer",
        "front_door",
        "view_case",
    )
    assert record.flow_run_id == run and record.occurred_at == NOW

    other = client.get(f"/cases/{seeded.overdue_less}").text
    assert "attested on the form" in other
    duplicate = client.get(f"/cases/{seeded.due_soon}").text
    assert f"Possible duplicate of {seeded.overdue_most}" in duplicate
    closed = client.get(f"/cases/{seeded.closed}").text
    assert "Open the waiting form" not in closed


def test_the_search_needs_a_real_date(client: TestClient, seeded: Seeded) -> None:
    assert sign_in(client, "north.officer") == 303
    found = client.get("/search", params={"name": "testchlid"}).text
    assert re.findall(r'data-reference="([^"]+)"', found) == [seeded.overdue_most]
    wrong = client.get("/search", params={"dob": "31/02/2015"})
    assert "Date of birth" in wrong.text and "data-reference" not in wrong.text


def test_pages_are_never_cached_and_carry_the_security_headers(client: TestClient) -> None:
    response = client.get("/sign-in")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert client.get("/health").json() == {"status": "ok"}


def test_while_the_case_database_is_away_a_plain_page_says_so(tmp_path: Path) -> None:
    away = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'cases.db'}")
    settings = Settings(front_door_secret=SecretStr("s" * 40), prefect_ui_url=UI)
    with TestClient(create_app(settings, engine=away), base_url="http://127.0.0.1") as client:
        page = client.get("/sign-in")
        response = client.post(
            "/sign-in",
            data={"csrf_token": _csrf(page.text), "username": "someone", "password": "x"},
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"
    assert "The case system is restarting; try again in a minute." in response.text
    assert "govuk-heading-l" in response.text
    assert "Traceback" not in response.text and "sqlite" not in response.text.lower()
