"""Environment settings: one object, read from CME_* variables (and a .env file if present).

Everything that differs between a laptop and the council's servers lives here; everything that
describes the team and the law (officers, areas, term dates, periods) is in the configuration file
named by ``config_path``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Values that mark a secret as "not set yet"; refused outside development.
_PLACEHOLDERS = {"", "changethis", "change-me", "secret", "password"}


class Settings(BaseSettings):
    """Where the product keeps its state and how it reaches its servers."""

    model_config = SettingsConfigDict(env_prefix="CME_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        default="development", description="development and test allow placeholder secrets."
    )
    home: Path = Field(
        default=Path(".cme"),
        description="State folder: Prefect home, case database, results, letters.",
    )
    port: int = Field(default=4200, description="Port of the local Prefect server and UI.")
    serve_limit: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Flow runs the serving process executes at once (a waiting case holds none).",
    )
    ui: Literal["v1", "v2"] = Field(
        default="v1",
        description="Prefect UI for officers: v1 shows a Resume button on a waiting case.",
    )
    database_url: str | None = Field(
        default=None,
        description="Case database URL; default: SQLite file cases.db in the state folder.",
    )
    prefect_api_url: str | None = Field(
        default=None, description="Prefect API URL; default: the local server on `port`."
    )
    prefect_database_url: str | None = Field(
        default=None,
        description=(
            "Prefect server's own database, e.g. postgresql+asyncpg://prefect@db/prefect; "
            "default: SQLite in the state folder."
        ),
    )
    prefect_auth_string: SecretStr | None = Field(
        default=None,
        description=(
            "This process's own Prefect credential, username:password of its service account "
            "(`make user`): every Prefect client the process starts sends it. `make run` creates "
            "the service accounts itself; in production each worker has its own."
        ),
    )
    sign_in_trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses of the council's single sign-on proxy: from these only, "
            "the identity header replaces the password. Empty: everyone signs in with a password."
        ),
    )
    sign_in_identity_header: str = Field(
        default="X-Remote-User",
        description="Header in which the single sign-on proxy names the signed-in person.",
    )
    results_path: Path | None = Field(
        default=None,
        description=(
            "Where task results are stored (JSON): a folder every worker can read, e.g. an NFS "
            "mount; default: results/ in the state folder."
        ),
    )
    worker_limit: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Flow runs one worker executes at once (production, `make worker`).",
    )
    run_heartbeat_seconds: int = Field(
        default=30,
        ge=30,
        description="How often a running case run tells the server it is alive (minimum 30).",
    )
    run_stalled_after_seconds: int = Field(
        default=120,
        ge=45,
        description=(
            "A running case run silent this long (its machine or process lost) is marked Crashed, "
            "the team lead is emailed and the run is started again from its records."
        ),
    )
    crash_retries: int = Field(
        default=3,
        ge=0,
        le=20,
        description="Times a crashed case run is started again by itself; then the team lead acts.",
    )
    prefect_run_retention_days: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Days after it ended that Prefect's clean-up deletes a finished flow run with its logs "
            "and artifacts; default: never. Waiting cases and the case database are never touched."
        ),
    )
    prefect_event_retention_days: int = Field(
        default=7, ge=1, description="Days Prefect keeps its events (the flow-run event feed)."
    )
    prefect_ui_url: str | None = Field(
        default=None, description="Prefect UI URL used in links; default: the local server."
    )
    documents_port: int = Field(
        default=4290, description="Port of the read-only letters and chronologies server."
    )
    documents_url: str | None = Field(
        default=None,
        description="Base URL of the documents server in links; default: the local server.",
    )
    config_path: Path = Field(
        default=PROJECT_ROOT / "config" / "cme.toml",
        description="The versioned team, area, calendar and deadline configuration.",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP relay host.")
    smtp_port: int = Field(default=8025, description="SMTP relay port.")
    smtp_user: str = Field(default="cme-automation", description="SMTP login user.")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="SMTP password.")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        default="none", description="How to secure the SMTP connection."
    )
    smtp_sender: str = Field(
        default="cme-automation@localhost", description="From address on every email."
    )
    public_form_port: int = Field(
        default=4280, description="Port of the public referral form (on 127.0.0.1)."
    )
    public_form_secret: SecretStr = Field(
        default=SecretStr("changethis"),
        description="Signs the public form's CSRF tokens; a long random value in production.",
    )
    public_form_database_url: str | None = Field(
        default=None,
        description=(
            "Case database URL the public form writes submissions with (a role that can only "
            "INSERT into public_submission); default: database_url."
        ),
    )
    public_form_council: str = Field(
        default="Hertfordshire County Council", description="Council named in the form's header."
    )
    public_form_https: bool = Field(
        default=False,
        description="Served over HTTPS (behind a proxy): Secure cookies and HSTS.",
    )
    public_form_rate_per_minute: int = Field(
        default=60,
        ge=1,
        description=(
            "Pages (answers sent, new sessions) one client address may send per minute: a guard "
            "against floods, far above what people filling in the form send."
        ),
    )
    public_form_rate_burst: int = Field(
        default=40, ge=1, description="Pages one client may send at once before that limit."
    )
    public_form_referrals_per_hour: float = Field(
        default=20,
        gt=0,
        description="Referrals one client address may send per hour, after its burst.",
    )
    public_form_referral_burst: int = Field(
        default=10,
        ge=1,
        description=(
            "Referrals one client address (a school office, say) may send in a row before "
            "the hourly limit applies."
        ),
    )
    public_form_max_request_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest request body the public form accepts."
    )
    public_form_drain_seconds: float = Field(
        default=2.0, gt=0, description="How often the drainer looks for submissions to deliver."
    )
    part_down_alert_seconds: float = Field(
        default=300.0,
        gt=0,
        description="`make run`: the team lead is emailed once when a part has been down this "
        "long, and once when it is back.",
    )
    drop_watch_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often the drop watch looks in the school-return drop folders.",
    )
    public_form_retry_max_seconds: float = Field(
        default=300.0, gt=0, description="Longest wait between two delivery attempts."
    )
    public_form_trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses of reverse proxies whose X-Forwarded-For is trusted; "
            "empty: the peer address is the client."
        ),
    )

    front_door_port: int = Field(
        default=4270, description="Port of the officers' front door (on 127.0.0.1)."
    )
    front_door_secret: SecretStr = Field(
        default=SecretStr("changethis"),
        description="Signs the front door's session cookies; a long random value in production.",
    )
    front_door_https: bool = Field(
        default=False,
        description="The front door is served over HTTPS (behind a proxy): Secure cookies, HSTS.",
    )

    test_clock_file: Path | None = Field(
        default=None,
        description=(
            "Tests only (CME_ENVIRONMENT=test): a file holding the instant every process takes as "
            "now (ISO 8601, with its offset), so an end-to-end test can move a case through its "
            "statutory periods; the wall clock while the file is absent or empty."
        ),
    )

    @model_validator(mode="after")
    def _test_clock_only_in_tests(self) -> Self:
        if self.test_clock_file is not None and self.environment != "test":
            raise ValueError("CME_TEST_CLOCK_FILE: only allowed when CME_ENVIRONMENT=test")
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        if self.environment != "production":
            return self
        password = self.smtp_password.get_secret_value()
        if password.lower() in _PLACEHOLDERS:
            raise ValueError(
                "CME_SMTP_PASSWORD: a real secret is required when CME_ENVIRONMENT=production"
            )
        if self.smtp_tls == "none":
            raise ValueError("CME_SMTP_TLS: 'none' is refused when CME_ENVIRONMENT=production")
        if self.database_url is None:
            raise ValueError("CME_DATABASE_URL: production needs an explicit case database URL")
        form_secret = self.public_form_secret.get_secret_value()
        if form_secret.lower() in _PLACEHOLDERS or len(form_secret) < 32:
            raise ValueError(
                "CME_PUBLIC_FORM_SECRET: a random secret of at least 32 characters is required "
                "when CME_ENVIRONMENT=production"
            )
        door_secret = self.front_door_secret.get_secret_value()
        if door_secret.lower() in _PLACEHOLDERS or len(door_secret) < 32:
            raise ValueError(
                "CME_FRONT_DOOR_SECRET: a random secret of at least 32 characters is required "
                "when CME_ENVIRONMENT=production"
            )
        auth = self.prefect_auth_string.get_secret_value() if self.prefect_auth_string else ""
        user, _, auth_password = auth.partition(":")
        if not user or auth_password.lower() in _PLACEHOLDERS:
            raise ValueError(
                "CME_PREFECT_AUTH_STRING: a real user:password is required when "
                "CME_ENVIRONMENT=production"
            )
        return self

    @property
    def state_dir(self) -> Path:
        return self.home.resolve()

    @property
    def case_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.state_dir / 'cases.db'}"

    @property
    def api_url(self) -> str:
        return self.prefect_api_url or f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return self.prefect_ui_url or f"http://127.0.0.1:{self.port}"

    @property
    def public_form_url(self) -> str:
        return f"http://127.0.0.1:{self.public_form_port}"

    @property
    def front_door_url(self) -> str:
        return f"http://127.0.0.1:{self.front_door_port}"

    @property
    def public_form_case_database_url(self) -> str:
        return self.public_form_database_url or self.case_database_url

    @property
    def results_dir(self) -> Path:
        if self.results_path is not None:
            return self.results_path.resolve()
        return self.state_dir / "results"

    @property
    def letters_dir(self) -> Path:
        return self.state_dir / "letters"

    @property
    def chronology_dir(self) -> Path:
        return self.state_dir / "chronology"

    @property
    def documents_base_url(self) -> str:
        """Where officers' browsers fetch letters and chronologies (launcher/documents.py)."""
        return (self.documents_url or f"http://127.0.0.1:{self.documents_port}").rstrip("/")


def load_settings() -> Settings:
    """Read the settings from the environment (a function so tests can change it first)."""
    return Settings()


def describe_settings_error(error: ValidationError) -> list[str]:
    """One "CME_FIELD: message" line per problem, never the value given (it may be a secret)."""
    lines: list[str] = []
    for problem in error.errors(include_input=False, include_url=False, include_context=False):
        message = str(problem["msg"]).removeprefix("Value error, ")
        field = next((str(part) for part in problem["loc"] if isinstance(part, str)), None)
        if field is not None and not message.startswith("CME_"):
            message = f"CME_{field.upper()}: {message}"
        lines.append(message)
    return lines


def settings_or_exit() -> Settings:
    """The settings for a command's entry point: on a bad setting, name each problem on stderr
    (field and message, no value and no traceback, since values include secrets) and exit 2."""
    try:
        return load_settings()
    except ValidationError as error:
        sys.stderr.write("The settings are not valid:\n")
        for line in describe_settings_error(error):
            sys.stderr.write(f"  {line}\n")
        raise SystemExit(2) from None
