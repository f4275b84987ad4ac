"""How many referrals one address can send on the public form, and when a flood is stopped.

The public form's own app (`public_form.app.create_app`) on a temporary SQLite case database
(migrated), driven over HTTP as a browser without JavaScript drives it: every page of a referral
answered, then sent from check your answers. The limiters run on a clock this script moves, so
"one referral a minute for an hour" takes seconds. The limits are the settings' defaults.

Three senders, each from one address:

1. a school office sending one referral a minute (each takes a person at least that long);
2. the same office sending one every 20 seconds, or two people at one address every 5 seconds;
3. a script pacing itself (one every 12 s, one a second), and one flooding the form back to
   back, no time passing.

Each referral's pages are sent at one instant (harsher than a person, who spreads them out).

For contrast, the same three against the limit as it was before (pages counted, not referrals:
30 pages a minute, bursts of 10; one referral is 5 pages and opening a session is one more).
It prints, per sender, how many referrals in a row were stored before the first refusal, and how
many were stored out of how many tried. It reports and never asserts.

    .venv/bin/python -m bench.public_form_rate [--tries 60]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from adapters.settings import Settings
from public_form.app import create_app
from public_form.ratelimit import RateLimiter
from store.database import make_engine
from store.migrations import migrate
from tests.public_form.answers import complete
from tests.public_form.http import fill_in


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Result:
    in_a_row: int
    stored: int
    tried: int
    first_refusal_at: float | None


def run(
    *, database: str, settings: Settings, seconds_apart: float, tries: int, old_limit: bool
) -> Result:
    clock = Clock()
    if old_limit:
        pages = RateLimiter(per_minute=30, burst=10, clock=clock)
        referrals = RateLimiter(per_minute=10_000, burst=10_000, clock=clock)
    else:
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
    app = create_app(
        settings, engine=make_engine(database), limiter=pages, referral_limiter=referrals
    )
    stored, in_a_row, refused_at = 0, 0, None
    with TestClient(app) as client:
        for attempt in range(tries):
            clock.now = attempt * seconds_apart
            client.cookies.clear()  # a new referral, as after "Report another child"
            try:
                status = fill_in(client, complete()).status_code
            except AssertionError:  # a page on the way was refused (429)
                status = 429
            if status == 303:
                stored += 1
                if refused_at is None:
                    in_a_row += 1
            elif refused_at is None:
                refused_at = clock.now
    return Result(in_a_row, stored, tries, refused_at)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=60, help="referrals each sender tries")
    args = parser.parse_args()
    logging.getLogger("public_form").setLevel(logging.WARNING)
    settings = Settings(environment="test")
    senders = [
        ("school office, one a minute", 60.0),
        ("school office, one every 20 s", 20.0),
        ("two people, one every 5 s", 5.0),
        ("script, one every 12 s", 12.0),
        ("script, one a second", 1.0),
        ("flood, back to back", 0.0),
    ]
    sys.stdout.write(
        f"limits: referrals {settings.public_form_referral_burst} in a row, then "
        f"{settings.public_form_referrals_per_hour:g} an hour; pages "
        f"{settings.public_form_rate_burst} at once, {settings.public_form_rate_per_minute} a "
        f"minute. {args.tries} referrals tried per sender.\n"
        f"{'limit':<10} {'sender':<30} {'in a row':>8} {'stored':>7} {'first refused at':>17}\n"
    )
    for old_limit in (True, False):
        for name, apart in senders:
            with tempfile.TemporaryDirectory() as folder:
                database = f"sqlite:///{Path(folder) / 'case.db'}"
                migrate(database)
                result = run(
                    database=database,
                    settings=settings,
                    seconds_apart=apart,
                    tries=args.tries,
                    old_limit=old_limit,
                )
            refused = (
                "never" if result.first_refusal_at is None else f"{result.first_refusal_at:g} s"
            )
            sys.stdout.write(
                f"{'before' if old_limit else 'now':<10} {name:<30} {result.in_a_row:>8} "
                f"{result.stored:>4}/{result.tried:<2} {refused:>17}\n"
            )


if __name__ == "__main__":
    main()
