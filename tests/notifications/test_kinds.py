"""Every kind of notification can be read in Chinese, and its next step is a real page."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from points import create_app
from points.app import ROOT
from points.notifications.kinds import KINDS
from tests.conftest import app_config

CATALOG = ROOT / "points/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The app, so that every domain's kinds are imported."""
    return create_app(app_config(f"sqlite:///{tmp_path_factory.mktemp('kinds')}/unused.db"))


def test_every_kind_has_chinese_name_title_and_body(built):
    with CATALOG.open("rb") as handle:
        chinese = {m.id: m.string for m in read_po(handle) if m.id}
    missing = [
        (kind.key, text)
        for kind in KINDS.values()
        for text in (kind.name, kind.title, kind.body)
        if not chinese.get(text)
    ]
    assert not missing


def test_every_kinds_next_step_is_a_page_of_the_app(built):
    endpoints = {rule.endpoint: rule for rule in built.url_map.iter_rules()}
    for kind in KINDS.values():
        if kind.link is None:
            continue
        endpoint, args = kind.link
        assert endpoint in endpoints, kind.key
        assert set(args) <= set(endpoints[endpoint].arguments), kind.key
