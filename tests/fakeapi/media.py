"""Photos in the fake Bot API: ``sendPhoto`` uploads (multipart) and re-sends by ``file_id``.

Like Telegram, an uploaded photo is answered with a list of PhotoSize objects (a small thumbnail
and the photo itself, its long side at most 1280 px), each with a ``file_id`` that later
``sendPhoto`` calls may pass instead of uploading again. Only PNG uploads are decoded (their
size read from the header); anything else is refused as Telegram refuses a broken image.
"""

from __future__ import annotations

import itertools
import struct
from typing import Any

from tests.fakeapi.faults import TelegramAPIError

MAX_CAPTION_LENGTH = 1024
MAX_PHOTO_SIDE = 1280
THUMBNAIL_SIDE = 320
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PhotoStore:
    """The photos uploaded to this fake, by the ``file_id`` of each of their sizes."""

    def __init__(self) -> None:
        self.by_file_id: dict[str, list[dict[str, Any]]] = {}
        self.uploads: list[bytes] = []
        self._numbers = itertools.count(1)

    def photo(self, value: Any) -> list[dict[str, Any]]:
        """The PhotoSize list of a ``photo`` parameter: an uploaded file or a known file_id."""
        if isinstance(value, dict) and isinstance(value.get("data"), bytes):
            return self._upload(value["data"])
        if isinstance(value, str) and value in self.by_file_id:
            return self.by_file_id[value]
        if isinstance(value, str) and value:
            raise TelegramAPIError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise TelegramAPIError(400, "Bad Request: there is no photo in the request")

    def _upload(self, data: bytes) -> list[dict[str, Any]]:
        width, height = png_size(data)
        number = next(self._numbers)
        sizes = []
        for label, side in (("s", THUMBNAIL_SIDE), ("y", MAX_PHOTO_SIDE)):
            scale = min(1.0, side / max(width, height))
            sizes.append({"file_id": f"AgAC-photo{number}-{label}",
                          "file_unique_id": f"photo{number}{label}",
                          "width": round(width * scale), "height": round(height * scale),
                          "file_size": len(data) if label == "y" else len(data) // 10})
        for size in sizes:
            self.by_file_id[size["file_id"]] = sizes
        self.uploads.append(data)
        return sizes


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG; 400 IMAGE_PROCESS_FAILED for anything else, as Telegram."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise TelegramAPIError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    width, height = struct.unpack(">II", data[16:24])
    if not width or not height or width + height > 10000 or max(width, height) > 20 * min(
            width, height):
        raise TelegramAPIError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    return width, height
