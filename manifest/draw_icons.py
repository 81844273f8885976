"""Draws the two Teams app icons, so they can be redrawn exactly instead of hand-edited.

Teams wants a 192x192 full-colour icon and a 32x32 outline icon whose pixels
are white or transparent. Both show a shield with a check mark: consent, reviewed.
The PNG files next to this script are committed; run
``.venv/bin/python manifest/draw_icons.py`` only to change the design.
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

Point = tuple[float, float]
Pixel = tuple[int, int, int, int]

ACCENT = (0x2B, 0x57, 0x9A)
"""The manifest's accentColor (#2B579A), also the colour icon's background."""
SUPERSAMPLES = 4
"""Samples per pixel side: edges get partial coverage instead of jagged steps."""
HERE = Path(__file__).resolve().parent


def _quadratic(start: Point, control: Point, end: Point, steps: int = 24) -> list[Point]:
    return [
        (
            (1 - t) ** 2 * start[0] + 2 * (1 - t) * t * control[0] + t**2 * end[0],
            (1 - t) ** 2 * start[1] + 2 * (1 - t) * t * control[1] + t**2 * end[1],
        )
        for t in (i / steps for i in range(1, steps + 1))
    ]


def shield(inset: float = 0.0) -> list[Point]:
    """The shield's outline in unit coordinates (0..1, y down), shrunk by ``inset``."""
    left, right, top = 0.18 + inset, 0.82 - inset, 0.1 + inset
    shoulder, waist, tip = 0.2 + inset, 0.5, 0.92 - inset
    points: list[Point] = [(0.5, top), (right, shoulder), (right, waist)]
    points += _quadratic((right, waist), (right - 0.02, 0.76 - inset / 2), (0.5, tip))
    points += _quadratic((0.5, tip), (left + 0.02, 0.76 - inset / 2), (left, waist))
    points.append((left, shoulder))
    return points


CHECK_MARK: list[Point] = [(0.34, 0.5), (0.46, 0.63), (0.67, 0.38)]


def _inside(polygon: Sequence[Point], x: float, y: float) -> bool:
    inside = False
    previous = polygon[-1]
    for current in polygon:
        (x1, y1), (x2, y2) = previous, current
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        previous = current
    return inside


def _near_line(points: Sequence[Point], x: float, y: float, half_width: float) -> bool:
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
        if math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)) <= half_width:
            return True
    return False


def _rasterise(size: int, shade: Callable[[float, float], Pixel]) -> list[list[Pixel]]:
    """Average ``shade`` over a grid of samples inside each pixel."""
    rows: list[list[Pixel]] = []
    step = 1 / (size * SUPERSAMPLES)
    for row in range(size):
        pixels: list[Pixel] = []
        for column in range(size):
            samples = [
                shade(
                    (column * SUPERSAMPLES + i + 0.5) * step, (row * SUPERSAMPLES + j + 0.5) * step
                )
                for j in range(SUPERSAMPLES)
                for i in range(SUPERSAMPLES)
            ]
            alpha = sum(s[3] for s in samples)
            if alpha == 0:
                pixels.append((255, 255, 255, 0))
                continue
            # Colours weighted by their opacity, so transparent samples do not darken edges.
            pixels.append(
                (
                    round(sum(s[0] * s[3] for s in samples) / alpha),
                    round(sum(s[1] * s[3] for s in samples) / alpha),
                    round(sum(s[2] * s[3] for s in samples) / alpha),
                    round(alpha / len(samples)),
                )
            )
        rows.append(pixels)
    return rows


def color_icon(size: int = 192) -> list[list[Pixel]]:
    """White shield on the accent colour, the check cut out of it in the accent colour."""
    outline = shield()
    background: Pixel = (*ACCENT, 255)
    white: Pixel = (255, 255, 255, 255)

    def shade(x: float, y: float) -> Pixel:
        if _near_line(CHECK_MARK, x, y, 0.045) or not _inside(outline, x, y):
            return background
        return white

    return _rasterise(size, shade)


def outline_icon(size: int = 32) -> list[list[Pixel]]:
    """The shield's edge and the check mark in white on transparency, as Teams requires."""
    outer, inner = shield(), shield(inset=0.075)
    white: Pixel = (255, 255, 255, 255)
    clear: Pixel = (255, 255, 255, 0)

    def shade(x: float, y: float) -> Pixel:
        on_edge = _inside(outer, x, y) and not _inside(inner, x, y)
        return white if on_edge or _near_line(CHECK_MARK, x, y, 0.05) else clear

    return _rasterise(size, shade)


def png_bytes(pixels: Sequence[Sequence[Pixel]]) -> bytes:
    """An 8-bit RGBA PNG of ``pixels`` (rows of RGBA tuples)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    height, width = len(pixels), len(pixels[0])
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(v for pixel in row for v in pixel) for row in pixels)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    (HERE / "color.png").write_bytes(png_bytes(color_icon()))
    (HERE / "outline.png").write_bytes(png_bytes(outline_icon()))


if __name__ == "__main__":
    main()
