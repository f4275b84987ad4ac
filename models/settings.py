"""Environment settings: one object, read from CME_* variables (and a .env file if present).

Everything that differs between a laptop and the council's servers lives here; everything that
describes the team and the law (officers, areas, term dates, periods) is in the configuration file
named by ``config_path``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
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
    def results_dir(self) -> Path:
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
