"""Every error a service can raise carries a Text: a stable key, the API's English and the
page's message, which has Chinese. No service raises a bare sentence."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

from babel.messages.pofile import read_po

import points
from points.errors import TEXTS, PointsError

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "points/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def _import_everything():
    for module in pkgutil.walk_packages(points.__path__, "points."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)


def _error_classes() -> set[str]:
    names, todo = set(), [PointsError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _sentences_raised(path: Path, classes: set[str]) -> list[str]:
    """Calls of an error class whose message is a literal or f-string sentence."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in classes:
            continue
        args = list(node.args[:1]) + [k.value for k in node.keywords if k.arg == "message"]
        if any(isinstance(a, ast.Constant | ast.JoinedStr) for a in args):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_service_raises_a_bare_sentence():
    _import_everything()
    classes = _error_classes()
    found = []
    for path in sorted((ROOT / "points").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if "migrations" in relative:
            continue
        found += _sentences_raised(path, classes)
    assert not found, "raise a Text of the domain's messages.py instead:\n" + "\n".join(found)


def test_every_error_text_has_chinese_and_consistent_parameters():
    from points.web.messages import LABELS

    _import_everything()
    assert TEXTS, "no Text is defined"
    with CATALOG.open("rb") as f:
        chinese = {m.id: m.string for m in read_po(f, locale="zh_Hans_CN") if m.id}
    problems = []
    for key, text in sorted(TEXTS.items()):
        if not re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", key):
            problems.append(f"{key}: keys are dotted lower-case words, domain first")
        if not chinese.get(text.page):
            problems.append(f"{key}: no Chinese for {text.page!r} (run `make translations`)")
        used = set(re.findall(r"%\((\w+)\)s", text.page))
        if not used <= text.api_parameters:
            problems.append(
                f"{key}: the page uses {sorted(used - text.api_parameters)} "
                "that the API sentence does not"
            )
        problems += [
            f"{key}: no label kind {kind!r}" for kind in text.labels.values() if kind not in LABELS
        ]
    assert not problems, "\n".join(problems)


def test_an_error_reads_as_english_for_the_api_and_as_chinese_on_a_page(app):
    import pickle
    from datetime import UTC, datetime, timedelta, timezone

    from flask_babel import force_locale

    from points.errors import N_, InvalidInput, Text
    from points.messages import TOO_LONG
    from points.web.messages import translate_error

    error = InvalidInput(TOO_LONG, field="name", limit=80)
    assert error.key == "field.too_long"
    assert error.to_dict() == {
        "code": "invalid",
        "message": "must be at most 80 characters",
        "errors": {"name": ["must be at most 80 characters"]},
    }
    with app.test_request_context():
        assert translate_error(error) == "最多 80 个字符。"
        assert translate_error(error.errors["name"][0]) == "最多 80 个字符。"
        with force_locale("en"):
            assert translate_error(error) == "Use at most 80 characters."
    # A time reaches the API in UTC and the page in the community's time.
    beijing = datetime(2026, 12, 1, 19, 0, tzinfo=timezone(timedelta(hours=8)))
    try:
        at = Text("test.at", "at {at:%Y-%m-%d %H:%M} UTC", N_("Check-in opens at %(at)s."))
        assert str(at(at=beijing)) == "at 2026-12-01 11:00 UTC"
        with app.test_request_context(), force_locale("en"):
            assert "7:00" in translate_error(at(at=beijing.astimezone(UTC)))
    finally:
        TEXTS.pop("test.at", None)
    # A copy made in another process keeps its key.
    copy = pickle.loads(pickle.dumps(InvalidInput(TOO_LONG, field="name", limit=80)))
    assert copy.key == "field.too_long" and copy.errors == error.errors
