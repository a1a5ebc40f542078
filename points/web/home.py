"""The home page: the landing page for visitors; for a member, what matters to them first."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from points.activities import services as claims
from points.ledger import services as ledger
from points.members import services as members

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/index.html")
    return render_template(
        "home/member.html",
        balance=ledger.balance_of(ledger.member_wallet(current_user.id)),
        progress=members.progress_of(current_user),
        recent=ledger.statement(ledger.member_wallet(current_user.id), limit=5).items,
        claims_waiting=claims.queue_count(current_user) if current_user.is_staff else 0,
    )
