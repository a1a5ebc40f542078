"""Programme fees: integer fen in the database, yuan on the page (points/money.py).

What a host may type as a fee: nothing or 0 (公益), up to FEE_MAX_FEN.
"""

from __future__ import annotations

from points.errors import InvalidInput
from points.money import typed_fen, yuan, yuan_field

__all__ = ["FEE_MAX_FEN", "parse_yuan", "yuan", "yuan_field"]
from points.programmes import messages as M

FEE_MAX_FEN = 1_000_000  # ¥10,000: anything above is a typing slip


def parse_yuan(value, field: str = "fee") -> int:
    """What a host typed in yuan ("10", "12.5", "12.50", "") as fen; empty is 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    fen = typed_fen(value)
    if fen is None or fen > FEE_MAX_FEN:
        raise InvalidInput(M.FEE_SHAPE, field=field)
    return fen
