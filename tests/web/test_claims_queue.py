"""The social worker's claims queue: one row per claim with the points it would award and
what the claimant already has against the type's caps, the evidence photo as a thumbnail,
boxes to tick (or "select all") and one button at the bottom that approves them; a
rejection without a reason is marked on that claim's own row. Read as the worker reads it.

The hand-worked example (上门走访 patrol-home-visit: 3 points a time, 30 a day, 150 a month):
王阿姨 already has 30 points from it this month (10 visits, approved). She claims 4 visits
(+12) and 2 visits (+6), and 1.5 hours of patrol-routine (10 an hour, +15) with a photo."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.activities import services as claims
from points.activities.models import Claim
from points.extensions import db
from points.ledger import services as ledger
from tests.activities.photos import JPEG
from tests.conftest import csrf_token, load_catalogue, sign_in


@pytest.fixture
def catalogue(ctx, backend, db_url, tmp_path_factory):
    ledger.system_account("issuance")
    db.session.commit()
    load_catalogue(backend, db_url, tmp_path_factory)


@pytest.fixture
def volunteer(make_member, catalogue):
    return make_member("13900000004", level="volunteer", name="王阿姨")


@pytest.fixture
def days(ctx):
    """Two days of one month, both past or today: the earlier award and the new claims."""
    today = claims.local_today()
    if today.day >= 2:
        return today.replace(day=1), today
    return today - timedelta(days=2), today - timedelta(days=1)


@pytest.fixture
def example(volunteer, social_worker, days):
    """The worked example: {"visits4": id, "visits2": id, "patrol": id} awaiting review."""
    earlier, day = days
    done = claims.submit_claim(
        volunteer, activity_type="patrol-home-visit", occurred_on=earlier, quantity=10
    )
    claims.approve_claim(done, actor=social_worker)
    ids = {}
    for name, quantity in (("visits4", 4), ("visits2", 2)):
        ids[name] = claims.submit_claim(
            volunteer, activity_type="patrol-home-visit", occurred_on=day, quantity=quantity
        ).id
    photo = claims.save_evidence(volunteer, JPEG).token
    ids["patrol"] = claims.submit_claim(
        volunteer, activity_type="patrol-routine", occurred_on=day, quantity="1.5", photo=photo
    ).id
    db.session.commit()
    return ids


def points_of(member) -> int:
    return ledger.balance_of(ledger.member_wallet(member.id)).balance


def status_of(claim_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Claim, claim_id).status


def row(page: str, claim_id: int) -> str:
    """The HTML of one claim's table row."""
    found = re.search(rf'<tr id="claim-{claim_id}".*?</tr>', page, re.S)
    assert found, f"no row for claim {claim_id}"
    return found.group(0)


def in_english(client):
    client.post("/language/en", data={"csrf_token": csrf_token(client), "next": "/"})


def test_each_row_shows_the_award_and_the_month_against_the_cap(client, social_worker, example):
    sign_in(client, social_worker.phone)
    in_english(client)
    page = client.get("/staff/claims").get_data(as_text=True)
    for label in ("Claimant", "Activity", "Quantity", "Points", "This month / cap", "Photo"):
        assert f">{label}</th>" in page
    visits4 = row(page, example["visits4"])
    assert "王阿姨" in visits4 and "4 times" in visits4
    assert "+12" in visits4 and "30 / 150" in visits4 and "That day 0 / 30" in visits4
    assert "+6" in row(page, example["visits2"])
    patrol = row(page, example["patrol"])
    assert "+15" in patrol and "0 / 240" in patrol
    assert f'<img src="/claims/{example["patrol"]}/photo"' in patrol
    assert "<img" not in visits4 and "No photo" in visits4
    assert '<button type="submit" class="primary" data-counted="Approve selected ({n})">' in page
    assert ">Approve selected</button>" in page and "data-select-all" in page


def test_a_claim_that_would_pass_the_cap_says_so_on_its_row(
    client, social_worker, volunteer, example, days
):
    # 7 visits approved on the new claims' day: 21 of its 30. The 4 visits (+12) would pass
    # the daily cap; the 2 visits (+6) would not.
    seven = claims.submit_claim(
        volunteer, activity_type="patrol-home-visit", occurred_on=days[1], quantity=7
    )
    claims.approve_claim(seven, actor=social_worker)
    db.session.commit()
    sign_in(client, social_worker.phone)
    page = client.get("/staff/claims").get_data(as_text=True)
    visits4 = row(page, example["visits4"])
    assert "51 / 150" in visits4 and "当日 21 / 30" in visits4
    assert '<small class="error">' in visits4
    assert '<small class="error">' not in row(page, example["visits2"])


def test_the_queue_reads_in_chinese_first(client, social_worker, example):
    sign_in(client, social_worker.phone)
    page = client.get("/staff/claims").get_data(as_text=True)
    assert ">批量通过</button>" in page and 'data-counted="批量通过 ({n})"' in page
    assert "30 / 150" in row(page, example["visits4"])


def test_two_ticked_claims_are_approved_and_the_third_is_left(
    client, social_worker, volunteer, example
):
    sign_in(client, social_worker.phone)
    ticked = [str(example["visits4"]), str(example["visits2"])]
    done = client.post(
        "/staff/claims/approve",
        data={"csrf_token": csrf_token(client, "/staff/claims"), "claim": ticked},
        follow_redirects=True,
    )
    assert "2 条申报已通过" in done.get_data(as_text=True)
    assert status_of(example["visits4"]) == "approved"
    assert status_of(example["visits2"]) == "approved"
    assert status_of(example["patrol"]) == "submitted"
    assert points_of(volunteer) == 30 + 12 + 6
    left = done.get_data(as_text=True)
    assert f'id="claim-{example["patrol"]}"' in left
    assert f'id="claim-{example["visits4"]}"' not in left


def test_select_all_approves_every_claim_the_page_listed(client, social_worker, volunteer, example):
    sign_in(client, social_worker.phone)
    page = client.get("/staff/claims").get_data(as_text=True)
    shown = re.findall(r'name="shown" value="(\d+)"', page)
    assert sorted(int(i) for i in shown) == sorted(example.values())
    client.post(
        "/staff/claims/approve",
        data={"csrf_token": csrf_token(client, "/staff/claims"), "all": "1", "shown": shown},
    )
    assert {status_of(i) for i in example.values()} == {"approved"}
    assert points_of(volunteer) == 30 + 12 + 6 + 15


def test_a_rejection_without_a_reason_is_marked_on_that_claim(client, social_worker, example):
    sign_in(client, social_worker.phone)
    claim_id = example["visits2"]
    answer = client.post(
        f"/staff/claims/{claim_id}/reject",
        data={
            "csrf_token": csrf_token(client, "/staff/claims"),
            "reason": "  ",
            "next": "/staff/claims?status=submitted",
        },
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    marked = row(page, claim_id)
    assert f'<p class="error" id="reason-{claim_id}-error">' in marked
    assert 'aria-invalid="true"' in marked
    for other in (example["visits4"], example["patrol"]):
        assert 'class="error"' not in row(page, other)
    assert status_of(claim_id) == "submitted"


def test_a_rejection_with_a_reason_goes_through(client, social_worker, example):
    sign_in(client, social_worker.phone)
    claim_id = example["visits2"]
    answer = client.post(
        f"/staff/claims/{claim_id}/reject",
        data={"csrf_token": csrf_token(client, "/staff/claims"), "reason": "没有走访记录"},
    )
    assert answer.status_code == 302
    assert status_of(claim_id) == "rejected"


def test_a_member_who_is_not_staff_is_refused(client, volunteer, example):
    sign_in(client, volunteer.phone)
    assert client.get("/staff/claims").status_code == 403
    refused = client.post(
        "/staff/claims/approve",
        data={"csrf_token": csrf_token(client), "claim": [str(example["visits4"])]},
    )
    assert refused.status_code == 403
    assert status_of(example["visits4"]) == "submitted"


def test_a_reversal_without_a_reason_is_marked_on_that_claim(
    client, social_worker, volunteer, example
):
    sign_in(client, social_worker.phone)
    claim_id = example["visits4"]
    claims.approve_claim(db.session.get(Claim, claim_id), actor=social_worker)
    db.session.commit()
    answer = client.post(
        f"/staff/claims/{claim_id}/reverse",
        data={
            "csrf_token": csrf_token(client, "/staff/claims"),
            "reason": "",
            "next": "/staff/claims?status=approved",
        },
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'<p class="error" id="reason-{claim_id}-error">' in row(page, claim_id)
    assert '<option value="approved" selected>' in page  # the queue it came from
    assert status_of(claim_id) == "approved" and points_of(volunteer) == 30 + 12


def test_more_claims_from_more_members_take_no_more_queries(
    client, social_worker, make_member, example, days
):
    sign_in(client, social_worker.phone)

    def queries_for_the_page() -> int:
        seen = []
        listen = lambda *args: seen.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert client.get("/staff/claims").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listen)
        return len(seen)

    before = queries_for_the_page()
    for n in range(3):
        other = make_member(f"1390000010{n}", level="volunteer", name=f"张{n}")
        claims.submit_claim(
            other, activity_type="patrol-home-visit", occurred_on=days[1], quantity=n + 1
        )
    db.session.commit()
    after = queries_for_the_page()
    assert after == before
    assert client.get("/staff/claims").get_data(as_text=True).count('name="claim" value=') == 6


def test_a_ticked_claim_over_its_cap_is_named_and_the_others_still_approved(
    client, social_worker, volunteer, example, days
):
    # Bulk approval is claim by claim (approve_many): each in its own savepoint, the refused
    # ones listed by number with the reason, the rest approved.
    seven = claims.submit_claim(
        volunteer, activity_type="patrol-home-visit", occurred_on=days[1], quantity=7
    )
    claims.approve_claim(seven, actor=social_worker)
    db.session.commit()
    sign_in(client, social_worker.phone)
    in_english(client)
    ticked = [str(example["visits4"]), str(example["visits2"])]
    done = client.post(
        "/staff/claims/approve",
        data={"csrf_token": csrf_token(client, "/staff/claims"), "claim": ticked},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "1 claims approved" in done
    assert f"Claim #{example['visits4']} not approved" in done
    assert status_of(example["visits4"]) == "submitted"
    assert status_of(example["visits2"]) == "approved"
    assert points_of(volunteer) == 30 + 21 + 6
