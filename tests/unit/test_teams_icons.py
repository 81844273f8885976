"""The Teams icons: sizes Teams requires, and an outline icon of white on transparency only."""

from __future__ import annotations

from bot.hosting.teams_package import MANIFEST_DIR
from tests.png_pixels import RGBA, read_header, read_rgba


def test_color_icon_is_a_192_pixel_rgba_png() -> None:
    data = (MANIFEST_DIR / "color.png").read_bytes()
    header = read_header(data)
    assert (header.width, header.height) == (192, 192)
    assert (header.bit_depth, header.colour_type) == (8, RGBA)
    pixels = read_rgba(data)
    assert len(pixels) == 192
    assert all(len(row) == 192 for row in pixels)
    # A full-bleed icon: Teams shows it on its own tile, so nothing is see-through.
    assert all(pixel[3] == 255 for row in pixels for pixel in row)


def test_outline_icon_is_32_pixels_of_white_on_transparency() -> None:
    data = (MANIFEST_DIR / "outline.png").read_bytes()
    header = read_header(data)
    assert (header.width, header.height) == (32, 32)
    assert (header.bit_depth, header.colour_type) == (8, RGBA)
    pixels = [pixel for row in read_rgba(data) for pixel in row]
    assert len(pixels) == 32 * 32
    not_white = [p for p in pixels if p[3] != 0 and p[:3] != (255, 255, 255)]
    assert not_white == [], "the outline icon may hold only white or transparent pixels"
    transparent = sum(1 for p in pixels if p[3] == 0)
    solid = sum(1 for p in pixels if p[3] == 255)
    assert transparent > len(pixels) // 2, "the background must be transparent"
    assert solid > 50, "the design must be visible"
