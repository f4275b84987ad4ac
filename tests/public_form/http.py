"""Filling in the public form over HTTP, as a browser without JavaScript does."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from models.public_form import PAGES, Answers

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post(
    client: httpx.Client, path: str, token: str, answers: Mapping[str, str | list[str]]
) -> httpx.Response:
    return client.post(path, data={"csrf_token": token, **answers}, follow_redirects=False)


def fill_in(client: httpx.Client, answers: Answers) -> httpx.Response:
    """Answer every page, then send from check your answers; the response to the send."""
    page = client.get(f"/referral/{PAGES[0].slug}")
    assert page.status_code == 200, page.text
    token = csrf_of(page.text)
    for form_page in PAGES:
        names = {f.name for f in form_page.fields} | {"dob-day", "dob-month", "dob-year"}
        response = post(
            client,
            f"/referral/{form_page.slug}",
            token,
            {k: v for k, v in answers.items() if k in names},
        )
        assert response.status_code == 303, response.text
    check = client.get("/referral/check")
    assert check.status_code == 200
    return post(client, "/referral/check", csrf_of(check.text), {})
