"""The application permissions the README's table asks for, as the tests grant them.

The unit tests of the permission table and the integration tests of the
start-up self-check both start from this full set and take permissions away.
"""

from __future__ import annotations

from bot.admin.permissions import least_privilege

EVERYTHING = least_privilege(delegated_approvals=False)
