"""Once the bot serves, start-up's objects are out of the collector's full passes."""

from __future__ import annotations

import gc

from bot.hosting.heap import OLDER_THRESHOLD, YOUNG_THRESHOLD, settle_start_up_objects


def test_start_up_objects_are_frozen_and_turns_objects_die_young() -> None:
    settle_start_up_objects()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert gc.get_threshold() == (YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
    settle_start_up_objects()  # a second app in the same process freezes nothing more
    assert gc.get_freeze_count() == frozen
