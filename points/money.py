"""Money as people read and type it: integer fen stored, yuan shown (¥1,234.56) and typed.

The one place that turns fen into text and typed yuan into fen; each domain keeps its own
range and error (a programme's fee may be 0, a grant may not).
"""

from __future__ import annotations

import re
from decimal import Decimal

_TYPED = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def yuan(fen: int) -> str:
    """¥ and two decimals with thousands separators: 123450 → "¥1,234.50", −1200 → "-¥12.00"."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{part:02d}"


def yuan_field(fen: int) -> str:
    """The amount as a form field shows it: 1050 → "10.50"."""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{whole}.{part:02d}"


def typed_fen(value) -> int | None:
    """Fen from yuan typed on a page ("120", "12.5", "¥1,200.50", "￥8"); None when it is not an
    amount of yuan with at most two decimals."""
    if not isinstance(value, str):
        return None
    text = value.strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not _TYPED.match(text):
        return None
    return int(Decimal(text) * 100)
