"""No internal code reaches a page where a person reads it: a skill's review state on the
social worker's page, the levels a bad filter names, a ledger kind on a statement, the
scope of a helper — each is its translated name, in Chinese, in English and in 长辈版."""

from __future__ import annotations

import re

import pytest

from points.extensions import db
from points.ledger.rules import KINDS
from points.members import services as members
from points.members.models import HELPER_SCOPES, LEVELS, SKILL_STATUSES
from points.web import labels
from tests.conftest import csrf_token, sign_in


def words(html: str) -> str:
    main = html[html.index("<main") :] if "<main" in html else html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def english(client) -> None:
    client.post("/language/en", data={"csrf_token": csrf_token(client)})


def elder(client) -> None:
    client.post("/elder", data={"on": "1", "next": "/", "csrf_token": csrf_token(client)})


def test_every_code_a_page_shows_has_a_name():
    assert set(labels.KIND_NAMES) >= KINDS
    assert set(labels.SKILL_STATUS_NAMES) == set(SKILL_STATUSES)
    assert set(labels.LEVEL_NAMES) == set(LEVELS)
    assert set(labels.HELPER_SCOPE_NAMES) == set(HELPER_SCOPES)


@pytest.fixture
def skilled(make_member, social_worker):
    member = make_member("13900000007", name="赵阿姨")
    members.declare_skill(member, category="剪纸", description="教孩子剪窗花")
    db.session.commit()
    return member


@pytest.mark.parametrize(
    ("switch", "shown", "raw"),
    [
        (None, "待审核", "declared"),
        (english, "waiting for review", "declared"),
        (elder, "待审核", "declared"),
    ],
)
def test_the_social_workers_page_names_a_skills_review_state(
    client, skilled, social_worker, switch, shown, raw
):
    sign_in(client, social_worker.phone)
    if switch:
        switch(client)
    page = words(client.get(f"/staff/members/{skilled.id}").get_data(as_text=True))
    assert "剪纸" in page
    assert shown in page
    assert not re.search(rf"\b{raw}\b", page)


@pytest.mark.parametrize(
    ("switch", "shown"),
    [(None, "居民"), (english, "Resident"), (elder, "居民")],
)
def test_a_wrong_level_filter_names_the_levels_not_their_codes(
    client, social_worker, switch, shown
):
    sign_in(client, social_worker.phone)
    if switch:
        switch(client)
    answer = client.get("/staff/members?level=xyz")
    page = words(answer.get_data(as_text=True))
    assert shown in page
    for code in ("resident", "volunteer"):
        assert not re.search(rf"\b{code}\b", page), code
