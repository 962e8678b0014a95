"""A strict PNG reader for tests: every chunk's CRC, the header, and the pixel data inflated."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def png_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height of a well-formed PNG; AssertionError on any defect."""
    assert data.startswith(SIGNATURE), "no PNG signature"
    pos, chunks, idat = len(SIGNATURE), [], b""
    header: tuple[int, ...] = ()
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append(kind)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert chunks[0] == b"IHDR", chunks
    assert chunks[-1] == b"IEND", chunks
    assert b"IDAT" in chunks, chunks
    width, height, depth, colour = header[:4]
    row = 1 + (width * _CHANNELS[colour] * depth + 7) // 8  # filter byte + samples
    assert len(zlib.decompress(idat)) == row * height, "pixel data does not fill the image"
    return width, height


def tiny_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG of the given size (every pixel black), built by hand."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
