"""The Prefect server's auth string: set, it refuses every API call that does not carry it."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_AUTH_STRING, temporary_settings
from pydantic import SecretStr

from adapters.settings import Settings
from launcher.stack import Stack, auth_headers
from tests.e2e.product import client_settings, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.production]

AUTH_STRING = "cme-api:a-long-random-test-secret"


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A Prefect server alone (SQLite), started by the product's launcher with the auth string."""
    home = tmp_path_factory.mktemp("auth-home")
    settings = Settings(
        home=home,
        port=free_port(),
        environment="test",
        prefect_auth_string=SecretStr(AUTH_STRING),
        # Its own SQLite database and URLs, whatever the session's stack was given.
        prefect_database_url=None,
        prefect_api_url=None,
        prefect_ui_url=None,
    )
    stack = Stack(settings=settings, log_dir=home / "logs")
    try:
        stack.start_server()
        yield stack
    finally:
        stack.stop_all()


def _call(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps({"limit": 1}).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _basic(secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


def test_an_api_call_without_the_auth_string_is_refused(guarded_server: Stack) -> None:
    url = f"{guarded_server.settings.api_url}/flow_runs/filter"
    assert _call(url, {}) == 401
    assert _call(url, _basic("cme-api:a-wrong-secret")) == 401
    assert _call(url, auth_headers(guarded_server.settings)) == 200


def test_the_prefect_client_with_the_auth_string_works_and_without_it_is_refused(
    guarded_server: Stack,
) -> None:
    settings = guarded_server.settings
    with (
        temporary_settings(updates=client_settings(settings)),
        get_client(sync_client=True) as client,
    ):
        assert client.read_flow_runs(limit=1) == []
    anonymous = settings.model_copy(update={"prefect_auth_string": None})
    with (
        temporary_settings(
            updates=client_settings(anonymous), restore_defaults={PREFECT_API_AUTH_STRING}
        ),
        get_client(sync_client=True) as client,
        pytest.raises(Exception, match="401"),
    ):
        client.read_flow_runs(limit=1)


def test_every_process_the_launcher_starts_gets_the_auth_string(guarded_server: Stack) -> None:
    env = guarded_server.env
    assert env["PREFECT_SERVER_API_AUTH_STRING"] == AUTH_STRING  # the server requires it
    assert env["PREFECT_API_AUTH_STRING"] == AUTH_STRING  # workers, flow runs, deploy send it
