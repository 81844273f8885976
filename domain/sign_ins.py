"""One sign-in attempt that consent stopped, as the bot keeps it from Entra's sign-in log.

Shared by the reader of the log and the store, so both speak of the same
four facts and nothing more: who, which app, when, and which error code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ConsentAttempt:
    id: str
    """The log entry's id (the "Request Id" Entra's error page shows)."""
    user_id: str
    app_id: str
    app_display_name: str
    created_at: datetime
    error_code: int
