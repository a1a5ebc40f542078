"""Programme fees: integer fen in the database, yuan with two decimals on the page (¥12.50).

The one place that turns fen into the text residents read, and the yuan a host types into fen.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from points.errors import InvalidInput
from points.programmes import messages as M

FEE_MAX_FEN = 1_000_000  # ¥10,000: anything above is a typing slip


def yuan(fen: int) -> str:
    """¥ and two decimals: 1050 → "¥10.50", 0 → "¥0.00"."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}¥{fen // 100:,}.{fen % 100:02d}"


def yuan_number(fen: int) -> str:
    """The amount without the sign, for a form field: 1050 → "10.50"."""
    return f"{fen // 100}.{fen % 100:02d}"


def parse_yuan(value, field: str = "fee") -> int:
    """What a host typed in yuan ("10", "12.5", "12.50", "") as fen; empty is 0."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(M.FEE_SHAPE, field=field)
    raw = str(value).strip().lstrip("¥￥").strip()
    if raw == "":
        return 0
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(M.FEE_SHAPE, field=field) from None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
        raise InvalidInput(M.FEE_SHAPE, field=field)
    fen = int(amount * 100)
    if fen > FEE_MAX_FEN:
        raise InvalidInput(M.FEE_SHAPE, field=field)
    return fen
