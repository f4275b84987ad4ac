"""The public form over HTTP: what is stored, and what is refused (CSRF, size, rate, bots)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from adapters.settings import Settings
from public_form.app import create_app
from public_form.ratelimit import RateLimiter
from store.orm import PublicSubmission, SubmissionStatus
from tests.public_form.answers import CHILD, complete
from tests.public_form.http import csrf_of, fill_in, post


def _settings(**overrides: object) -> Settings:
    return Settings(environment="test", **overrides)  # type: ignore[arg-type]


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(), engine=engine), base_url="http://testserver") as c:
        yield c


def _stored(engine: Engine) -> list[PublicSubmission]:
    with Session(engine) as session:
        return list(session.scalars(select(PublicSubmission)))


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(PublicSubmission)) or 0)


def test_a_sent_referral_is_stored_as_received_before_the_receipt_is_shown(
    client: TestClient, engine: Engine
) -> None:
    sent = fill_in(client, complete(safeguarding=["immediate_risk"]))
    assert sent.status_code == 303
    assert sent.headers["location"] == "/referral/confirmation"

    [stored] = _stored(engine)
    receipt_page = client.get("/referral/confirmation")
    assert stored.receipt in receipt_page.text
    assert re.fullmatch(r"CME-R-[2-9A-Z]{4}-[2-9A-Z]{4}", stored.receipt)
    assert stored.status is SubmissionStatus.PENDING
    assert stored.attempts == 0 and stored.flow_run_id is None
    assert stored.referral["referrer_type"] == "anonymous"
    assert stored.referral["postcode"] == "AL1 3ER"
    assert stored.referral["safeguarding_indicators"] == ["immediate_risk"]
    # The confirmation names no child and no case.
    assert "Testchild" not in receipt_page.text and "CME-20" not in receipt_page.text


def test_an_answer_is_escaped_wherever_it_is_shown_again(client: TestClient) -> None:
    page = client.get("/referral/child")
    attack = '<script>alert("x")</script>'
    answered = post(client, "/referral/child", csrf_of(page.text), {**CHILD, "child_surname": ""})
    assert answered.status_code == 400
    again = post(
        client, "/referral/child", csrf_of(page.text), {**CHILD, "child_forenames": attack}
    )
    assert again.status_code == 303
    shown = client.get("/referral/child").text

    assert attack not in shown
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in shown


def test_errors_are_summarised_with_links_to_their_fields(client: TestClient) -> None:
    page = client.get("/referral/child")
    response = post(
        client,
        "/referral/child",
        csrf_of(page.text),
        {**CHILD, "child_forenames": "", "dob-month": "13"},
    )

    assert response.status_code == 400
    assert "<title>Error: About the child" in response.text
    assert 'href="#child_forenames">Enter the child&#39;s first names</a>' in response.text
    assert 'href="#dob-day">Date of birth must be a real date</a>' in response.text
    assert 'id="child_forenames-error"' in response.text


def test_a_post_without_the_session_csrf_token_is_refused_and_nothing_kept(
    client: TestClient, engine: Engine
) -> None:
    client.get("/referral/child")
    forged = post(client, "/referral/child", "0" * 64, CHILD)
    missing = client.post("/referral/child", data=dict(CHILD), follow_redirects=False)
    other = TestClient(client.app)
    no_session = post(other, "/referral/check", csrf_of(client.get("/referral/child").text), {})

    assert (forged.status_code, missing.status_code, no_session.status_code) == (403, 403, 403)
    # With a session, its answers are kept and only the page is refused; without one, none are.
    assert "answers you saved on earlier pages have been kept" in forged.text
    assert "Start again from the beginning" in no_session.text
    assert _count(engine) == 0


def test_a_refused_page_keeps_the_answers_already_saved(client: TestClient) -> None:
    token = csrf_of(client.get("/referral/child").text)
    assert post(client, "/referral/child", token, CHILD).status_code == 303

    refused = post(client, "/referral/address", "0" * 64, {"address": "1 Road"})
    again = client.get("/referral/child")

    assert refused.status_code == 403
    assert 'value="Alex Sample"' in again.text


def test_an_oversized_request_is_refused_with_413(client: TestClient) -> None:
    token = csrf_of(client.get("/referral/child").text)
    huge = post(client, "/referral/child", token, {**CHILD, "child_aliases": "x" * 70_000})

    assert huge.status_code == 413


def test_a_request_body_longer_than_it_declared_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/referral/child").text)

    def chunks() -> Iterator[bytes]:
        yield f"csrf_token={token}&child_aliases=".encode()
        for _ in range(80):
            yield b"x" * 1024

    streamed = client.post(
        "/referral/child",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413


def test_an_overlong_answer_is_an_error_on_its_field_not_a_stored_truncation(
    client: TestClient, engine: Engine
) -> None:
    token = csrf_of(client.get("/referral/child").text)
    response = post(client, "/referral/child", token, {**CHILD, "child_surname": "x" * 201})

    assert response.status_code == 400
    assert "Last name must be 200 characters or fewer" in response.text
    assert _count(engine) == 0


def test_too_many_posts_from_one_client_are_refused_with_429(engine: Engine) -> None:
    limiter = RateLimiter(per_minute=1, burst=4)
    app = create_app(_settings(), engine=engine, limiter=limiter)
    with TestClient(app) as client:
        token = csrf_of(client.get("/referral/child").text)  # opening the session costs one
        codes = [post(client, "/referral/child", token, CHILD).status_code for _ in range(4)]
        refused = post(client, "/referral/child", token, CHILD)

    assert codes[:3] == [303, 303, 303]
    assert codes[3] == 429
    assert int(refused.headers["Retry-After"]) >= 1


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _limited_app(engine: Engine, clock: _Clock) -> TestClient:
    """The form with its default limits, on a clock the test moves."""
    settings = _settings()
    pages = RateLimiter(
        per_minute=settings.public_form_rate_per_minute,
        burst=settings.public_form_rate_burst,
        clock=clock,
    )
    referrals = RateLimiter(
        per_minute=settings.public_form_referrals_per_hour / 60,
        burst=settings.public_form_referral_burst,
        clock=clock,
    )
    app = create_app(settings, engine=engine, limiter=pages, referral_limiter=referrals)
    return TestClient(app)


def _send(client: TestClient) -> int:
    try:
        return fill_in(client, complete()).status_code
    except AssertionError:  # a page on the way was refused
        return 429


def test_a_school_office_sends_referral_after_referral_from_one_address(engine: Engine) -> None:
    clock = _Clock()
    with _limited_app(engine, clock) as client:
        codes = []
        for minute in range(16):
            clock.now = minute * 60.0  # one referral a minute, each page sent at once
            codes.append(_send(client))

    # Ten in a row from the burst, and the hourly refill carries a steady office past that.
    assert codes[:14] == [303] * 14
    assert codes[14] == 429
    assert _count(engine) == codes.count(303)


def test_a_flood_of_referrals_from_one_address_is_stopped(engine: Engine) -> None:
    clock = _Clock()
    with _limited_app(engine, clock) as client:
        back_to_back = [_send(client) for _ in range(12)]
        clock.now = 60.0
        paced = [_send(client) for _ in range(6)]

    assert back_to_back.count(303) <= 10 and back_to_back[-1] == 429
    # A minute on, the pages are allowed again, but the referrals are not: 10 an address, then
    # 20 an hour.
    assert back_to_back.count(303) + paced.count(303) == 10
    assert paced[-1] == 429
    assert _count(engine) == 10


def test_too_many_referrals_keeps_the_answers_and_says_when_to_send_them(engine: Engine) -> None:
    app = create_app(
        _settings(), engine=engine, referral_limiter=RateLimiter(per_minute=20 / 60, burst=1)
    )
    with TestClient(app) as client:
        first = fill_in(client, complete())
        second = fill_in(client, complete())
        kept = client.get("/referral/check")

    assert (first.status_code, second.status_code) == (303, 429)
    assert "This referral has not been sent" in second.text
    assert "send them again in 3 minutes" in second.text
    assert int(second.headers["Retry-After"]) == 180
    assert kept.status_code == 200  # the refused referral's answers wait to be sent again
    assert _count(engine) == 1


def test_a_database_outage_on_send_says_so_and_keeps_the_answers(engine: Engine) -> None:
    class Down:
        def save(self, referral: object, *, received_at: object) -> str:
            raise OperationalError("INSERT", {}, ConnectionRefusedError("database is down"))

    app = create_app(_settings(), outbox=Down())
    with TestClient(app) as client:
        sent = fill_in(client, complete())
        kept = client.get("/referral/check")

    assert sent.status_code == 503
    assert "Your referral has not been sent" in sent.text
    assert kept.status_code == 200


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/referral/child", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in headers


def test_behind_https_cookies_are_secure_and_hsts_is_sent(engine: Engine) -> None:
    app = create_app(_settings(public_form_https=True), engine=engine)
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/referral/child")

    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_the_inline_script_runs_only_with_the_page_nonce(client: TestClient) -> None:
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])

    assert nonce is not None
    assert f'<script nonce="{nonce.group(1)}">' in response.text


def test_a_bot_filling_the_honeypot_gets_a_receipt_but_nothing_is_stored(
    client: TestClient, engine: Engine
) -> None:
    sent = fill_in(client, complete())
    assert sent.status_code == 303
    assert _count(engine) == 1

    token = csrf_of(client.get("/referral/child").text)
    bot = post(client, "/referral/child", token, {**CHILD, "website": "http://spam.example"})
    receipt = client.get("/referral/confirmation")

    assert bot.status_code == 303
    assert "Referral sent" in receipt.text
    assert _count(engine) == 1


def test_an_answer_that_fails_on_submit_is_shown_on_its_page_and_never_stored(
    client: TestClient, engine: Engine
) -> None:
    fill_in_answers = complete()
    token = csrf_of(client.get("/referral/child").text)
    for slug in ("child", "address", "concern", "you"):
        post(client, f"/referral/{slug}", token, fill_in_answers)
    # An answer that stopped being valid after its page was checked (a rule can depend on the
    # day) is caught again on send: here, a draft changed behind the page's back.
    drafts = client.app.state.forms.drafts  # type: ignore[attr-defined]
    drafts.get(client.cookies.get("cme_referral_session")).answers["postcode"] = "NOTACODE"
    response = post(client, "/referral/check", token, {})

    assert response.status_code == 400
    assert "Enter a real UK postcode" in response.text
    assert 'action="/referral/address"' in response.text
    assert _count(engine) == 0


def test_a_referral_about_a_child_whose_address_is_not_known_is_sent_and_stored(
    client: TestClient, engine: Engine
) -> None:
    address_page = client.get("/referral/child")
    assert address_page.status_code == 200
    assert "I do not know where the child lives" in client.get("/referral/address").text

    sent = fill_in(client, complete(address="", postcode="", address_unknown="yes"))

    assert sent.status_code == 303
    [stored] = _stored(engine)
    assert (stored.referral["address"], stored.referral["postcode"]) == (None, None)
    assert stored.referral["no_address_reason"] == "address_not_known"


def test_a_json_or_multipart_body_is_refused(client: TestClient) -> None:
    client.get("/referral/child")
    response = client.post("/referral/child", json={"child_forenames": "x"})
    assert response.status_code == 415


def test_check_your_answers_sends_you_back_to_the_first_unanswered_page(
    client: TestClient,
) -> None:
    token = csrf_of(client.get("/referral/child").text)
    post(client, "/referral/child", token, CHILD)
    response = client.get("/referral/check", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/referral/address"


def test_production_refuses_a_placeholder_form_secret() -> None:
    with pytest.raises(ValueError, match="CME_PUBLIC_FORM_SECRET"):
        Settings(
            environment="production",
            smtp_password="a-real-password",
            smtp_tls="ssl",
            database_url="postgresql+psycopg://cme@db/cme",
            public_form_secret="changethis",
        )


def test_opening_new_sessions_counts_against_the_rate_limit(engine: Engine) -> None:
    app = create_app(_settings(), engine=engine, limiter=RateLimiter(per_minute=1, burst=2))
    with TestClient(app) as client:
        codes = []
        for _ in range(3):
            client.cookies.clear()
            codes.append(client.get("/referral/child").status_code)

    assert codes == [200, 200, 429]


def test_the_web_app_does_not_even_import_prefect() -> None:
    """Least privilege in code as in configuration: only the drainer talks to Prefect."""
    import subprocess
    import sys

    probe = (
        "import sys, public_form.app, public_form.routes; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == "[]"
