"""The bot's memory as a figure: resident set size from ``/proc/PID/status``.

``VmRSS`` is what the bot holds at the moment of reading (right after
``/healthz`` answers, or after a scenario's load); ``VmHWM``, the highest it
has been, is kept beside it, because a burst that was freed again still had
to fit in the container. The target applies to ``VmRSS``.
"""

from __future__ import annotations

from bench.figures import Figure, not_measured

TARGET_MB = 200.0


def rss_figure(key: str, label: str, rss_mb: float | None, peak_mb: float | None) -> Figure:
    """``rss_mb`` (a ``VmRSS`` reading, None if the process was gone) against the target."""
    target = f"<= {TARGET_MB:g} MB"
    if rss_mb is None:
        return not_measured(key, label, target, "the bot process was gone")
    return Figure(
        key,
        label,
        target,
        measured=f"{rss_mb:.0f} MB",
        value=rss_mb,
        unit="MB",
        meets=rss_mb <= TARGET_MB,
        detail={"peak_mb_so_far": peak_mb},
    )
