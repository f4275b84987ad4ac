"""Checking the case record's hash chain: a command, and the verify-case-record deployment's tasks.

    python -m tasks.verify_case_record [--reference CME-2026-00001]

checks every case (or one) and prints, for each broken chain, the case reference, the sequence
number of the first broken link and what is wrong; it exits 1 if any chain is broken, 0 if all
hold, 2 on bad usage (an unknown reference). `make verify-record` runs it. The check itself is
store/case_events.py's `check_records`; the deployment's tasks are in tasks/record_check.py, so the
command starts without importing Prefect.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from adapters.settings import load_settings
from store.case_events import check_records
from store.database import make_engine, session_scope
from store.guards import CaseNotFoundError


def main(argv: Sequence[str] | None = None) -> int:
    """The command: check, print each broken link, exit 1 if any chain is broken."""
    parser = argparse.ArgumentParser(
        prog="python -m tasks.verify_case_record",
        description="Check the hash chain of the append-only case record.",
    )
    parser.add_argument("--reference", help="check one case, e.g. CME-2026-00001 (default: all)")
    parser.add_argument("--database-url", help="the case database (default: CME_DATABASE_URL)")
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url or load_settings().case_database_url)
    try:
        with session_scope(engine) as session:
            check = check_records(session=session, reference=args.reference)
    except CaseNotFoundError as error:
        parser.error(str(error))
    finally:
        engine.dispose()
    for link in check.broken:
        sys.stdout.write(f"BROKEN {link.describe()}\n")
    verdict = "every chain holds" if check.holds else f"{len(check.broken)} broken"
    sys.stdout.write(f"{check.cases} case(s), {check.events} event(s): {verdict}\n")
    return 0 if check.holds else 1


if __name__ == "__main__":
    sys.exit(main())
