"""The product's stylesheet reaches every UI page: served, and linked from index.html."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import httpx
import pytest
from prefect.server.api.server import create_app

from gateway.ui_overrides import STYLESHEET_PATH, inject_link, with_ui_overrides


@pytest.fixture(scope="module")
def get() -> Callable[..., httpx.Response]:
    app = with_ui_overrides(create_app(final=True))

    def fetch(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        async def one() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ui") as client:
                return await client.get(path, headers=headers)

        return anyio.run(one)

    return fetch


def test_a_ui_page_links_the_stylesheet_even_when_gzip_is_asked_for(
    get: Callable[..., httpx.Response],
) -> None:
    response = get("/runs", headers={"accept": "text/html", "accept-encoding": "gzip, br"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)
    html = response.text
    assert html.count(f'href="{STYLESHEET_PATH}"') == 1
    assert html.index(STYLESHEET_PATH) < html.index("</head>")


def test_the_stylesheet_stops_the_resume_dialog_squeezing_the_summary(
    get: Callable[..., httpx.Response],
) -> None:
    response = get(STYLESHEET_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ".p-modal__body > *" in response.text
    assert "flex-shrink: 0" in response.text


def test_api_answers_pass_through_untouched(get: Callable[..., httpx.Response]) -> None:
    response = get("/api/health")
    assert response.status_code == 200
    assert STYLESHEET_PATH not in response.text


def test_the_link_is_injected_once() -> None:
    html = b"<html><head><title>x</title></head><body></body></html>"
    once = inject_link(html)
    assert inject_link(once) == once
    assert once.count(b"cme-ui.css") == 1
