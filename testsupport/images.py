"""Small real images, made with Pillow, for logo uploads."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def png_bytes(size=(64, 48), mode="RGB", pnginfo: Any = None) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (30, 120, 200) if mode == "RGB" else (30, 120, 200, 128)).save(
        out, "PNG", pnginfo=pnginfo
    )
    return out.getvalue()


def jpeg_bytes(size=(64, 48), **kw: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "JPEG", **kw)
    return out.getvalue()
