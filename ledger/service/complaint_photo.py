"""A complaint's photo, checked and re-encoded before it is kept (docs/COMPLAINTS.md).

The type is read from the file's first bytes, never from what the browser claims; the
image is then decoded and written again as a JPEG of at most ``MAX_SIDE`` pixels a side,
which drops its EXIF block (a phone photo carries where and when it was taken) and
anything else a file can hide after or inside an image.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from ledger.core.errors import ValidationError

MAX_SIDE = 2048
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def sniff(data: bytes) -> str:
    """What the first bytes say the file is, in words for the error message."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data.startswith(b"%PDF"):
        return "a PDF"
    if data.lstrip()[:1] == b"<":
        return "HTML or XML text"
    return "not an image" if data else "empty"


def clean_photo(data: bytes) -> bytes:
    """The photo as a metadata-free JPEG; ``bad_photo`` when it is not a JPEG, PNG or WebP
    image that decodes."""
    found = sniff(data)
    if found not in _FORMATS.values():
        raise ValidationError.of("bad_photo", found=found)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in _FORMATS or image.width * image.height > MAX_PIXELS:
                    raise ValidationError.of("bad_photo", found=f"{found} too large to show")
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                upright.convert("RGB").save(out, "JPEG", quality=85)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise ValidationError.of("bad_photo", found=f"a damaged {found} file") from exc
    return out.getvalue()
