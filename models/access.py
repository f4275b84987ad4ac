"""Who may use the product: people, their roles, and the record of what they did.

Pure: no I/O. The person store (store/people.py) persists `Person`; the sign-in gateway in front of
Prefect and the officers' front door decide with `Role` what a signed-in person may do; every
state-changing call is recorded as an `AccessRecord` (store/access_log.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,62}$")


class Role(StrEnum):
    """What a person (or a service) is trusted with.

    officer: opens cases and answers decision forms. team_lead: also pauses clocks, retries runs
    and runs reports. head_of_service: reads everything and changes nothing (audit).
    admin: also deletes or cancels runs and changes deployments, automations and Prefect's set-up.
    Service accounts are processes, not people: runner (the serving process and the workers: run
    stages, register deployments), drainer (the public form's drainer: opens cases) and launcher
    (applies automations at start-up).
    """

    OFFICER = "officer"
    TEAM_LEAD = "team_lead"
    HEAD_OF_SERVICE = "head_of_service"
    ADMIN = "admin"
    RUNNER = "runner"
    DRAINER = "drainer"
    LAUNCHER = "launcher"


PERSON_ROLES = frozenset({Role.OFFICER, Role.TEAM_LEAD, Role.HEAD_OF_SERVICE, Role.ADMIN})
SERVICE_ROLES = frozenset({Role.RUNNER, Role.DRAINER, Role.LAUNCHER})


class Person(BaseModel):
    """A person or service account as the product knows it (never its password)."""

    model_config = ConfigDict(frozen=True)

    username: str = Field(pattern=USERNAME_PATTERN.pattern)
    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = None
    # The configured team member (config/cme.toml) this person is, if any: what decisions record.
    team_id: str | None = None
    roles: frozenset[Role]
    disabled: bool = False

    @property
    def is_service(self) -> bool:
        return bool(self.roles & SERVICE_ROLES)

    def has(self, *roles: Role) -> bool:
        """True if this person holds any of these roles (and is not disabled)."""
        return not self.disabled and bool(self.roles & set(roles))


class AccessRecord(BaseModel):
    """One state-changing call (or a refused one), or one look at a case: who, when, what."""

    model_config = ConfigDict(frozen=True)

    occurred_at: datetime
    username: str
    # Where it came from: "prefect" (the UI or API through the gateway) or "front_door".
    channel: str
    # What it was, e.g. "open_case", "resume", "cancel", "set_state", "delete", "view_case".
    action: str
    method: str = ""
    path: str = ""
    status_code: int | None = None
    allowed: bool = True
    flow_run_id: UUID | None = None
    case_reference: str | None = None
    detail: dict[str, str] = Field(default_factory=dict)
