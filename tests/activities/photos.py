"""Test photos made with Pillow: a small JPEG or PNG, with or without metadata."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
GPS_LATITUDE_REF, GPS_LATITUDE = 1, 2


def picture(size=(40, 20), colour=(200, 30, 30)) -> Image.Image:
    """A red rectangle, wider than tall, with a white square at its top left corner."""
    image = Image.new("RGB", size, colour)
    image.paste((255, 255, 255), (0, 0, 5, 5))
    return image


def jpeg(image: Image.Image | None = None, *, gps: bool = False, orientation: int = 1) -> bytes:
    """A JPEG; with `gps`, EXIF holding a position (31.3° N) and a camera model."""
    image = image or picture()
    exif = Image.Exif()
    exif[0x0110] = "TestPhone 12"  # Model
    if orientation != 1:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update({GPS_LATITUDE_REF: "N", GPS_LATITUDE: (31.0, 18.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def png(image: Image.Image | None = None, *, text: dict[str, str] | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    (image or picture()).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


JPEG = jpeg()
