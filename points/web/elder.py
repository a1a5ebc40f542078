"""长辈版 (elder mode): larger type and targets, fewer items a screen, plainer words.

Following the 工信部 适老化 guidance for apps and websites as far as it fits a web app: body
type of at least 20 px, main actions at least 60 × 60 px, a few things a screen, no floating
bars or pop-ups, a clear way back, plain words. The choice is the member's (`elder_mode` on
members) and, for a visitor, a cookie; signing in keeps the choice made on that phone.

Decided here, once: whether this request is in elder mode (`is_on`), how many items a list
page shows (`page_size`), and where the wording is plainer (`PLAIN`, via `elder_text`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in

from points.members import services as members

COOKIE = "elder"
COOKIE_DAYS = 400

bp = Blueprint("elder", __name__)


def is_on() -> bool:
    """Whether this request's pages are 长辈版: the member's choice, else the cookie's."""
    if "elder" not in g:
        if current_user and current_user.is_authenticated:
            g.elder = bool(current_user.elder_mode)
        else:
            g.elder = request.cookies.get(COOKIE) == "1"
    return g.elder


def page_size(usual: int) -> int:
    """How many items a list page shows: `usual`, or ELDER_PAGE_SIZE (fewer) in 长辈版."""
    return min(usual, current_app.config["ELDER_PAGE_SIZE"]) if is_on() else usual


@dataclass(frozen=True)
class Page:
    """One page of a list the service gave whole (upcoming activities, my vouchers)."""

    items: list
    page: int
    pages: int

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def page_of(items, usual: int) -> Page:
    """The `?page=` page of `items`, page_size(usual) a page (a page past the last: the
    last; anything but digits: the first)."""
    items = list(items)
    size = page_size(usual)
    pages = max(1, -(-len(items) // size))
    asked = request.args.get("page", "")
    whole = asked.isascii() and asked.isdigit() and 0 < len(asked) < 6
    page = max(1, min(int(asked), pages)) if whole else 1
    return Page(items=items[(page - 1) * size : page * size], page=page, pages=pages)


# Where a page's wording is officialese, 长辈版 says it in fewer, plainer words. One pair
# per place: (the usual text, the plain text); templates call elder_text("key").
PLAIN = {
    "points_available": (_l("points available"), _l("points you can use")),
    "statement": (_l("My points statement"), _l("My points, line by line")),
    "claim_points": (_l("Claim points"), _l("I did some service: ask for points")),
    "show_at_counter": (
        _l("Show this at the counter: staff scan the code or type the letters."),
        _l("Show this to the shop assistant."),
    ),
    "cancel_voucher": (_l("Cancel this voucher"), _l("I don't want it: give my points back")),
}


def elder_text(key: str) -> str:
    """The text for `key` in this request's language, plainer in 长辈版."""
    usual, plain = PLAIN[key]
    return str(plain if is_on() else usual)


def _safe_next(target: str | None) -> str:
    """Back to the page the switch was pressed on; only a path of this site."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.post("/elder")
def switch():
    """The 长辈版 switch: a plain form, no script; on="1" or "0", back to the same page."""
    on = request.form.get("on") == "1"
    if current_user.is_authenticated:
        members.set_elder_mode(current_user, on)
    g.elder = on
    referrer = request.referrer and urlsplit(request.referrer)
    back = request.form.get("next") or (referrer.path if referrer else None)
    answer = redirect(_safe_next(back))
    answer.set_cookie(
        COOKIE,
        "1" if on else "0",
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return answer


def _keep_choice_on_sign_in(app, user, **extra) -> None:
    """A choice made on this phone before signing in becomes the member's."""
    made = request.cookies.get(COOKIE)
    if made in ("0", "1"):
        members.set_elder_mode(user, made == "1")
    g.pop("elder", None)


def register(app) -> None:
    app.register_blueprint(bp)
    user_logged_in.connect(_keep_choice_on_sign_in, app)

    @app.context_processor
    def _elder():
        return {"elder": is_on(), "elder_text": elder_text}
