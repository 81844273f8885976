"""Reads 8-bit RGBA PNGs into pixels, so icon tests check what Teams will actually display.

Only what the Teams icons use is supported (8-bit RGBA, no interlacing); anything
else raises, which is itself a finding for an icon meant for Teams.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGBA = 6
Pixel = tuple[int, int, int, int]


@dataclass(frozen=True)
class PngHeader:
    """The IHDR chunk's fields."""

    width: int
    height: int
    bit_depth: int
    colour_type: int
    interlace: int


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    chunks: list[tuple[bytes, bytes]] = []
    offset = len(PNG_SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"bad CRC in {kind!r} chunk")
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def read_header(data: bytes) -> PngHeader:
    """The IHDR fields; IHDR must be the first chunk."""
    kind, body = _chunks(data)[0]
    if kind != b"IHDR":
        raise ValueError("the first chunk is not IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
    return PngHeader(width, height, depth, colour, interlace)


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
    return (left, up, up_left)[distances.index(min(distances))]


def read_rgba(data: bytes) -> list[list[Pixel]]:
    """Rows of RGBA pixels of an 8-bit, non-interlaced RGBA PNG."""
    header = read_header(data)
    if (header.bit_depth, header.colour_type, header.interlace) != (8, RGBA, 0):
        raise ValueError(f"not an 8-bit non-interlaced RGBA PNG: {header}")
    raw = zlib.decompress(b"".join(body for kind, body in _chunks(data) if kind == b"IDAT"))
    stride = header.width * 4
    rows: list[list[Pixel]] = []
    previous = bytearray(stride)
    for y in range(header.height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - 4] if x >= 4 else 0
            up_left = previous[x - 4] if x >= 4 else 0
            predictor = {
                0: 0,
                1: left,
                2: previous[x],
                3: (left + previous[x]) // 2,
                4: _paeth(left, previous[x], up_left),
            }[kind]
            line[x] = (line[x] + predictor) & 0xFF
        rows.append([(line[i], line[i + 1], line[i + 2], line[i + 3]) for i in range(0, stride, 4)])
        previous = line
    return rows
