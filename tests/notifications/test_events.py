"""Every kind a domain defines can be said in both languages and leads somewhere real."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from points.notifications.kinds import KINDS

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def every_kind():
    # Each domain defines its kinds in its messages module.
    from points.activities import messages as _activities  # noqa: F401
    from points.marketplace import messages as _marketplace  # noqa: F401
    from points.members import messages as _members  # noqa: F401
    from points.spaces import messages as _spaces  # noqa: F401

    return list(KINDS.values())


def test_every_kind_has_chinese_for_its_name_title_and_body(app, every_kind):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        missing = [
            (kind.key, text)
            for kind in every_kind
            for text in (kind.name, kind.title, kind.body)
            if _(text) == text and re.search(r"[A-Za-z]{3}", PLACEHOLDER.sub("", text))
        ]
    assert missing == []


def test_every_kinds_chinese_keeps_its_parameters(app, every_kind):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        changed = [
            kind.key
            for kind in every_kind
            for text in (kind.title, kind.body)
            if set(PLACEHOLDER.findall(_(text))) != set(PLACEHOLDER.findall(text))
        ]
    assert changed == []


def test_every_link_names_a_page_and_every_sms_a_parameter_the_kind_says(app, every_kind):
    endpoints = set(app.view_functions)
    for kind in every_kind:
        said = set(PLACEHOLDER.findall(kind.title + kind.body))
        # "link" is the next step's page, whole (points/notifications/delivery.py).
        assert set(kind.sms) - {"link"} <= said, kind.key
        assert "link" not in kind.sms or kind.link is not None, kind.key
        assert set(kind.labels) <= said, kind.key
        if kind.link is not None:
            endpoint, _args = kind.link
            assert endpoint in endpoints, kind.key
        if kind.deadline is not None:
            assert kind.answer and kind.deadline in said, kind.key


def test_urgent_is_kept_for_deadlines_and_offers(every_kind):
    urgent = sorted(k.key for k in every_kind if k.priority == "urgent")
    # A sign-in code is asked for by the person at that moment; a unit has a working day to
    # accept (接单) or return a dispatched ticket.
    assert urgent == [
        "booking.offered",
        "members.sign_in_code",
        "ticket.dispatched",
        "training.tomorrow",
        "voucher.expiring",
    ]
