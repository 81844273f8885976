"""Entra object ids (users, groups, tenants, apps): GUIDs, and nothing else reaches a Graph URL.

One definition for every place that reads an id from outside (an activity, a
chat command, a config file, a setting), so they all accept and refuse the same
text. It imports nothing of ours, so settings and cards may use it too.
"""

from __future__ import annotations

import re

_HEX = "[0-9a-fA-F]"
_GUID = rf"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
OBJECT_ID = re.compile(rf"^{_GUID}$")
GUID_IN_TEXT = re.compile(rf"(?<![0-9a-fA-F-]){_GUID}(?![0-9a-fA-F-])")
"""A GUID standing on its own inside free text (a pasted error, a URL), not part of a longer id."""


def is_object_id(text: object) -> bool:
    """Whether ``text`` is a GUID in its usual 8-4-4-4-12 spelling."""
    return isinstance(text, str) and bool(OBJECT_ID.match(text))
