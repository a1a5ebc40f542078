"""QR codes on pages (a voucher, an activity's check-in, a space's door), drawn one way."""

from __future__ import annotations

from markupsafe import Markup


def qr_svg(text: str) -> Markup:
    """`text` as an inline SVG QR code: always a full QR code (never Micro QR, which phone
    cameras and WeChat cannot read, though a voucher's 9 characters would fit one), black on
    white, with a viewBox and no fixed size so CSS draws it phone-wide."""
    import segno  # here: only pages that draw a code pay for it at start

    code = segno.make_qr(text, error="m")
    return Markup(code.svg_inline(scale=10, dark="#000", light="#fff", omitsize=True))
