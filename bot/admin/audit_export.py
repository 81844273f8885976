"""The audit trail as CSV, for admins who keep records outside Teams.

One row per attempt (decisions, refusals, snoozes, asks, configuration
changes): when, who, what, on which app and permissions, why, and how it
ended. Text that a spreadsheet would run as a formula (leading ``=``, ``+``,
``-``, ``@``) is prefixed with an apostrophe, since reasons and app names come
from outside.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from bot.store.tables import AuditRow

COLUMNS = (
    "time",
    "actor",
    "actor_id",
    "action",
    "app",
    "app_id",
    "scopes",
    "reason",
    "result",
    "detail",
    "request_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_audit_csv(rows: Iterable[AuditRow], out: TextIO) -> int:
    """Write the header and one line per entry; returns how many entries were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(
            _cell(value)
            for value in (
                row.at.isoformat(),
                row.actor_name,
                row.actor_id,
                row.action,
                row.app_name,
                row.app_id,
                " ".join(row.scopes or []),
                row.reason,
                row.result,
                row.detail,
                row.request_id,
            )
        )
        count += 1
    return count
