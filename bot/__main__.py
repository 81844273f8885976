"""``python -m bot audit export``: the audit trail as CSV, from the store the bot uses.

It reads the same settings as the bot (``DATABASE_URL`` or ``DATA_DIR``), so
it runs beside a deployment without any extra configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.admin.audit_export import write_audit_csv
from bot.store import audit_trail
from bot.store.database import create_engine, migrate, session_factory
from config.settings import load_settings


def _since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {value!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _export(out_path: Path | None, since: datetime | None) -> int:
    engine = create_engine(load_settings().effective_database_url)
    try:
        await migrate(engine)
        async with session_factory(engine)() as session:
            rows = await audit_trail.audit_log(session, since=since)
    finally:
        await engine.dispose()
    if out_path is None:
        return write_audit_csv(rows, sys.stdout)
    with out_path.open("w", encoding="utf-8", newline="") as out:
        return write_audit_csv(rows, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Consent Desk tools.")
    sub = parser.add_subparsers(dest="area", required=True)
    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="action", required=True)
    export = audit_sub.add_parser("export", help="write the audit trail as CSV")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.add_argument("--since", type=_since, help="only entries from this date or time on")
    args = parser.parse_args(argv)
    count = asyncio.run(_export(args.out, args.since))
    if args.out is not None:
        print(f"{count} audit entries written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
