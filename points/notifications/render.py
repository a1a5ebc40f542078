"""A notification in words, in the current locale (pages) or the member's (`in_locale`, for
SMS and email rendered by the worker). Parameters are stored as JSON (`encode`), times as
tagged ISO strings, and shown as the community's clock shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime, get_locale
from flask_babel import gettext as _

from points.notifications.kinds import KINDS

# Codes a kind names in `labels` ({"level": "level"}) are shown by name; the web layer
# registers the namers (level names, booking states) when the app is built.
LABELS: dict[str, Callable[[str], str]] = {}


class Names(dict):
    """A name in each language ({"zh": "活动室", "en": "Activity room"}): shown in the reader's."""

    def pick(self) -> str:
        english = str(get_locale()).startswith("en")
        return (self.get("en") if english else None) or self.get("zh") or self.get("en") or ""


def names(zh: str, en: str = "") -> Names:
    return Names(zh=zh, en=en)


def encode(params: dict) -> dict:
    """Parameters as JSON can hold them."""
    return {name: _encode(value) for name, value in params.items()}


def _encode(value):
    if isinstance(value, Names):
        return {"$l": dict(value)}
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def decode(params: dict) -> dict:
    return {name: _decode(value) for name, value in (params or {}).items()}


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        if "$t" in value:
            return datetime.fromisoformat(value["$t"])
        if "$d" in value:
            return date.fromisoformat(value["$d"])
        if "$l" in value:
            return Names(value["$l"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def show(value, label: str | None = None):
    """One parameter as a page shows it in the current locale."""
    if label is not None and label in LABELS:
        return LABELS[label](value)
    if isinstance(value, Names):
        return value.pick()
    if isinstance(value, datetime):
        return format_datetime(value, "short")
    if isinstance(value, date):
        return format_date(value, "medium")
    if isinstance(value, list | tuple | set | frozenset):
        comma = "、" if str(get_locale()).startswith("zh") else ", "
        return comma.join(str(show(v)) for v in value)
    return value


def _values(kind_key: str, params: dict) -> dict:
    labels = KINDS[kind_key].labels
    return {name: show(value, labels.get(name)) for name, value in decode(params).items()}


def _say(message: str, notification) -> str:
    values = _values(notification.kind, notification.params)
    return _(message, **values) if values else _(message)


def title(notification) -> str:
    return _say(KINDS[notification.kind].title, notification)


def body(notification) -> str:
    return _say(KINDS[notification.kind].body, notification)


def sms_values(notification) -> list[str]:
    """The SMS template's parameters, in order, as text."""
    values = _values(notification.kind, notification.params)
    return [str(values.get(name, "")) for name in KINDS[notification.kind].sms]


@contextmanager
def in_locale(locale: str | None) -> Iterator[None]:
    """Render in a member's language (their choice, else the platform's default)."""
    languages = current_app.config["LANGUAGES"]
    chosen = locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(chosen):
        yield


def link(notification) -> tuple[str, dict] | None:
    """The endpoint and URL values of the one thing to do next, or None."""
    spec = KINDS[notification.kind].link
    if spec is None:
        return None
    endpoint, args = spec
    params = notification.params or {}
    return endpoint, {arg: params.get(name) for arg, name in args.items()}
