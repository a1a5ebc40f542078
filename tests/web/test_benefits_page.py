"""The benefits list on a phone: results under a row of category chips, 20 a page with
previous / next that keep the filters, one link per card saying "可兑换" or "还差 N 分", and
the host-only filters shown to hosts alone. The tests read the page as a member would."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from points import seeding
from points.extensions import db
from points.ledger import services as ledger
from points.marketplace import services as market
from points.marketplace.models import Benefit
from points.members import services as members
from tests.conftest import csrf_token, sign_in


@pytest.fixture
def catalogue(ctx, places):
    """The 346 seeded benefits of 胜浦街道."""
    members.ensure_place("胜浦街道", "金苑社区", ["金苑一网格"])
    ledger.system_account("issuance")
    seeding.load_benefits()
    db.session.commit()


@pytest.fixture
def volunteer_with(make_member, catalogue):
    """volunteer_with(points, level="volunteer") → a member holding that many points."""

    def make(points: int, level: str = "volunteer"):
        member = make_member(level=level)
        if points:
            ledger.transfer(
                kind="earn",
                source=ledger.system_account("issuance"),
                destination=ledger.member_wallet(member.id),
                amount=points,
            )
        db.session.commit()
        return member

    return make


def cards(html: str) -> list[str]:
    """Each result card's visible words."""
    found = re.findall(r'<a class="card offer" href="[^"]+">(.*?)</a>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in found]


def card_of(html: str, title: str) -> str:
    return next(c for c in cards(html) if c.startswith(title + " "))


def links(html: str, rel: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(rf'rel="{rel}" href="([^"]+)"', html)]


def get(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def test_the_first_screen_is_chips_then_results_twenty_a_page(client, catalogue):
    html = get(client, "/benefits")
    chips = html.index('<nav class="chips"')
    assert chips < html.index('<a class="card offer"'), "results come right after the chips"
    assert html.index('<details class="more-filters"') < html.index('<a class="card offer"')
    assert re.search(r'<details class="more-filters"\s*>', html), "the other filters fold away"
    assert len(cards(html)) == 20
    assert "共 346 项权益 · 第 1/18 页" in re.sub(r"\s+", " ", html)
    assert links(html, "prev") == [] and links(html, "next") == ["/benefits?page=2"]

    last = get(client, "/benefits?page=18")
    assert len(cards(last)) == 346 - 17 * 20 and links(last, "next") == []
    assert links(last, "prev") == ["/benefits?page=17"]
    every = set()
    for page in range(1, 19):
        every.update(cards(get(client, f"/benefits?page={page}")))
    assert len(every) == 346, "each benefit is on exactly one page"


def test_a_category_chip_is_a_link_and_the_page_links_keep_the_filters(client, catalogue):
    html = get(client, "/benefits")
    chip = re.search(r'<a href="(/benefits\?category=household)"[^>]*>([^<]+)</a>', html)
    assert chip and chip.group(2) == "家政便民"
    household = get(client, chip.group(1))
    assert 'href="/benefits?category=household" aria-current="page"' in household
    assert "共 44 项权益 · 第 1/3 页" in re.sub(r"\s+", " ", household)
    assert links(household, "next") == ["/benefits?page=2&category=household"]
    second = get(client, "/benefits?page=2&category=household&q=%E4%B8%80")
    [following] = links(second, "next") or [None]
    assert following is None or "category=household" in following and "q=" in following
    assert links(second, "prev") == ["/benefits?page=1&category=household&q=%E4%B8%80"]
    # Switching chips keeps the other filters and starts again on page 1.
    assert 'href="/benefits?category=meal&amp;q=%E4%B8%80"' in second


def test_each_card_is_one_link_saying_redeemable_or_how_many_points_are_missing(
    client, volunteer_with
):
    member = volunteer_with(30)
    sign_in(client, member.phone)
    html = get(client, "/benefits?category=haircut")
    assert "您有 30 分可用。" in html
    elder = db.session.scalar(sa.select(Benefit).filter_by(title_zh="老人免费理发一次"))
    card = re.search(rf'<a class="card offer" href="/benefits/{elder.id}">.*?</a>', html, re.S)
    assert card and "<a " not in card.group(0)[3:], "the whole card is the one link"
    assert "可兑换" in card_of(html, "老人免费理发一次")  # 30 points
    assert "还差 10 分" in card_of(html, "男士精剪一次")  # 40 points
    assert "还差 90 分" in card_of(html, "植物染发一次（遮白）")  # 120 points

    client.post("/language/en", data={"csrf_token": csrf_token(client), "next": "/"})
    english = get(client, "/benefits?category=haircut")
    assert "You can redeem this" in card_of(english, "One free haircut for seniors")
    assert "10 more points needed" in " ".join(cards(english))
    assert "More filters" in english and "Haircuts" in english
    client.post("/language/zh_Hans_CN", data={"csrf_token": csrf_token(client), "next": "/"})

    # A voucher holds 30 of them: the cards count only what is left to spend.
    market.redeem(member, benefit_id=elder.id)
    db.session.commit()
    html = get(client, "/benefits?category=haircut")
    assert "您有 0 分可用。" in html
    assert "还差 40 分" in card_of(html, "男士精剪一次")


def test_a_card_says_when_the_level_not_the_points_stops_her(client, volunteer_with):
    member = volunteer_with(5000)
    sign_in(client, member.phone)
    html = get(client, "/benefits?category=space_use")
    assert cards(html) and all("社区主理人及以上可兑换" in c for c in cards(html))
    assert 'class="state ready"' not in html and 'class="state short"' not in html


def test_visitors_see_prices_but_no_verdicts(client, catalogue):
    html = get(client, "/benefits?category=haircut")
    assert cards(html) and not any("可兑换" in c or "还差" in c for c in cards(html))
    assert 'name="affordable"' not in html


def test_host_only_filters_are_shown_to_hosts_alone(app, client, volunteer_with):
    visitor = get(client, "/benefits")
    assert 'name="host_only"' not in visitor
    assert "category=space_use" not in visitor and "category=publicity" not in visitor

    sign_in(client, volunteer_with(100).phone)
    volunteer = get(client, "/benefits")
    assert 'name="host_only"' not in volunteer and "category=space_use" not in volunteer
    assert "共 346 项权益" in get(client, "/benefits?host_only=1"), "not a filter of hers"

    host = app.test_client()
    sign_in(host, volunteer_with(100, level="host").phone)
    page = get(host, "/benefits")
    assert 'name="host_only"' in page
    assert "空间使用权" in page and "category=space_use" in page and "category=publicity" in page
    only = get(host, "/benefits?host_only=1")
    assert "共 37 项权益" in re.sub(r"\s+", " ", only)
    assert links(only, "next") == ["/benefits?page=2&host_only=1"]


def test_a_page_number_that_is_not_one_is_named_and_one_past_the_end_shows_the_last(
    client, catalogue
):
    bad = client.get("/benefits?page=abc")
    assert bad.status_code == 422 and "page" in bad.get_data(as_text=True)
    assert client.get("/benefits?page=0").status_code == 422
    beyond = get(client, "/benefits?category=haircut&page=9")
    assert "共 18 项权益" in beyond and len(cards(beyond)) == 18
