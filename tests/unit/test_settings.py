"""Production settings refuse what would be unsafe; the launcher hands every process the same."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from adapters.settings import Settings, describe_settings_error
from launcher.stack import cme_environment, prefect_environment

PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "database_url": "postgresql+psycopg://cme@db.example.gov.uk/cme",
    "smtp_password": SecretStr("a-real-relay-password"),
    "smtp_tls": "starttls",
    "prefect_auth_string": SecretStr("cme:a-long-random-password"),
    "public_form_secret": SecretStr("k" * 40),
    "front_door_secret": SecretStr("d" * 40),
}


def test_production_settings_with_real_secrets_are_accepted() -> None:
    Settings(**PRODUCTION)


@pytest.mark.parametrize("auth", [None, "", "cme", "cme:", "cme:changethis", ":secretpassword"])
def test_production_refuses_a_missing_or_placeholder_prefect_auth_string(auth: str | None) -> None:
    values = {**PRODUCTION, "prefect_auth_string": None if auth is None else SecretStr(auth)}
    with pytest.raises(ValidationError, match="CME_PREFECT_AUTH_STRING"):
        Settings(**values)


@pytest.mark.parametrize("secret", ["changethis", "short-but-not-a-placeholder"])
def test_production_refuses_a_placeholder_or_short_front_door_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="CME_FRONT_DOOR_SECRET"):
        Settings(**{**PRODUCTION, "front_door_secret": SecretStr(secret)})


def test_development_runs_without_an_auth_string() -> None:
    assert Settings(environment="development", prefect_auth_string=None).prefect_auth_string is None


def test_the_process_credential_is_what_its_clients_send_and_prefect_checks_no_shared_one() -> None:
    env = prefect_environment(Settings(**PRODUCTION))
    # The sign-in gateway checks each person; Prefect's single shared string stays unset.
    assert "PREFECT_SERVER_API_AUTH_STRING" not in env
    assert env["PREFECT_API_AUTH_STRING"] == "cme:a-long-random-password"


def test_a_bad_setting_is_described_by_field_without_its_value() -> None:
    secret = "a-secret-value-of-forty-characters-long!"
    values = {**PRODUCTION, "public_form_secret": SecretStr(secret), "prefect_auth_string": None}
    with pytest.raises(ValidationError) as error:
        Settings(**values)
    lines = describe_settings_error(error.value)
    assert lines == [
        "CME_PREFECT_AUTH_STRING: a real user:password is required when CME_ENVIRONMENT=production"
    ]
    with pytest.raises(ValidationError) as error:
        Settings(**{**PRODUCTION, "port": "not-a-port"})
    [line] = describe_settings_error(error.value)
    assert line.startswith("CME_PORT: ")
    assert "not-a-port" not in line


def test_every_setting_is_passed_on_to_the_processes_the_launcher_starts() -> None:
    settings = Settings(**PRODUCTION, results_path="/srv/cme-results", worker_limit=6)
    env = cme_environment(settings)
    assert env["CME_DATABASE_URL"] == PRODUCTION["database_url"]
    assert env["CME_PREFECT_AUTH_STRING"] == "cme:a-long-random-password"  # the value, not ****
    assert env["CME_RESULTS_PATH"] == "/srv/cme-results"
    assert env["CME_WORKER_LIMIT"] == "6"
    assert prefect_environment(settings)["PREFECT_LOCAL_STORAGE_PATH"] == "/srv/cme-results"


def test_prefect_deletes_finished_runs_only_when_a_run_retention_is_set() -> None:
    default = prefect_environment(Settings())
    assert default["PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED"] == "events"
    assert default["PREFECT_SERVER_EVENTS_RETENTION_PERIOD"] == "P7D"
    kept = prefect_environment(Settings(prefect_run_retention_days=365))
    assert kept["PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED"] == "events,flow_runs"
    assert kept["PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD"] == str(365 * 86400)
