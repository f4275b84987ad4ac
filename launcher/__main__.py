"""`make run`: migrate the case database, start the Prefect server, serve the deployments, and
start the public referral form and the drainer that delivers its submissions.

Runs in the foreground and keeps each part running: a part that exits is started again
(launcher/supervisor.py) while the others go on. Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

from pydantic import SecretStr

from adapters.mailer import send_email
from adapters.settings import Settings, settings_or_exit
from launcher.accounts import ADMIN_USERNAME
from launcher.automations import apply_automations
from launcher.serve import load_declarations
from launcher.stack import Stack
from launcher.supervisor import Supervisor
from models.config import load_config
from store.migrations import migrate

# How often the parts are looked at: a part that exits is noticed within this.
SUPERVISE_SECONDS = 0.5


def _team_lead_told(settings: Settings) -> Callable[[str, str], None]:
    """An outage email to the team lead (config/cme.toml), through the configured relay."""
    to = [load_config(settings.config_path).team_lead.email]

    def tell(subject: str, body: str) -> None:
        send_email(settings=settings, to=to, subject=subject, body=body)

    return tell


def main() -> int:
    settings = settings_or_exit()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    settings.letters_dir.mkdir(parents=True, exist_ok=True)
    settings.chronology_dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    migrate(settings.case_database_url)
    stack = Stack(settings=settings, log_dir=settings.state_dir / "logs")
    admin_password = stack.prepare_accounts()
    launcher_settings = settings.model_copy(
        update={"prefect_auth_string": SecretStr(stack.credential("launcher") or "")}
    )
    try:
        stack.start_server()
        stack.start_documents()
        stack.start_serving()
        stack.wait_for_deployments([d["name"] for d in load_declarations()])
        apply_automations(settings.api_url, launcher_settings)
        stack.start_drainer()
        stack.start_drop_watch()
        stack.start_public_form()
        stack.start_front_door()
        sys.stdout.write(
            f"\nCME case automation is running.\n"
            f"  Front door:     {settings.front_door_url}  (officers start here)\n"
            f"  Prefect UI:     {settings.ui_url}\n"
            f"  Public form:    {settings.public_form_url}\n"
            f"  State folder:   {settings.state_dir}\n"
            f"  Letters:        {settings.letters_dir}\n"
            f"  Chronologies:   {settings.chronology_dir}\n"
            f"  Documents:      {settings.documents_base_url} (letters and chronologies)\n"
            f"  Logs:           {settings.state_dir / 'logs'}\n"
            f"{_first_sign_in(admin_password)}"
            f"Press Ctrl-C to stop.\n"
        )
        sys.stdout.flush()
        # Each part is kept alive on its own: one that exits is started again, with a growing
        # wait if it keeps exiting, while the others keep serving (the public form keeps taking
        # referrals while the Prefect server is down; its drainer delivers them once it is back).
        supervisor = Supervisor(
            parts=stack,
            log_dir=settings.state_dir / "logs",
            alert=_team_lead_told(settings),
            alert_after=settings.part_down_alert_seconds,
        )
        supervisor.watch(time.monotonic())
        while not stop.wait(SUPERVISE_SECONDS):
            supervisor.tick(time.monotonic())
        return 0
    finally:
        sys.stdout.write("Stopping...\n")
        stack.stop_all()
        sys.stdout.write("Stopped.\n")


def _first_sign_in(admin_password: str | None) -> str:
    if admin_password is None:
        return "  Sign in:        as yourself (people are added with `make user`)\n"
    return (
        f"  Sign in:        as {ADMIN_USERNAME} with {admin_password}\n"
        f"                  it is not shown again; add people with `make user` "
        f"(docs/deployment.md)\n"
    )


if __name__ == "__main__":
    sys.exit(main())
