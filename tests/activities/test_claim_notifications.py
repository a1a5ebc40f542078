"""A claimant hears of each decision on their claim, in the decision's own transaction."""

from __future__ import annotations

from datetime import timedelta

from points.activities import messages as M
from points.activities import services as claims
from points.extensions import db
from points.notifications import render
from tests.conftest import csrf_token, sign_in
from tests.notifications.told import count, link, params, the_one, told


def test_an_approved_claim_tells_the_member_its_points_and_leads_to_the_statement(
    app, submit, social_worker, volunteer, today
):
    claim = submit("elder-companionship", quantity="1.5")  # 8 points an hour
    claims.approve_claim(claim, actor=social_worker)
    db.session.commit()
    told_now = the_one(volunteer, M.CLAIM_APPROVED)
    said = params(told_now)
    assert said["points"] == 12 and said["day"] == today - timedelta(days=1)
    assert said["activity"] == {
        "zh": "独居老人陪伴探访",
        "en": "Visiting an older person who lives alone",
    }
    assert told_now.subject == f"claim:{claim.id}"
    assert link(app, told_now) == "/me/statement"
    # Pressed again: still approved once, told once.
    claims.approve_claim(claim, actor=social_worker)
    db.session.commit()
    assert len(told(volunteer)) == 1


def test_a_rejection_through_the_page_tells_the_reason_and_leads_to_my_claims(
    app, client, submit, social_worker, volunteer
):
    claim = submit()
    sign_in(client, social_worker.phone)
    answer = client.post(
        f"/staff/claims/{claim.id}/reject",
        data={"csrf_token": csrf_token(client, "/staff/claims"), "reason": "没有社工回访记录"},
    )
    assert answer.status_code == 302
    db.session.expire_all()
    told_now = the_one(volunteer, M.CLAIM_REJECTED)
    assert params(told_now)["reason"] == "没有社工回访记录"
    assert link(app, told_now) == "/me/claims"
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in(client, volunteer.phone)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "独居老人陪伴探访 积分申报未通过" in inbox and "没有社工回访记录" in inbox


def test_a_reversal_tells_the_points_taken_back_and_why(app, submit, social_worker, volunteer):
    claim = submit("elder-companionship", quantity=1)
    claims.approve_claim(claim, actor=social_worker)
    claims.reverse_claim(claim, actor=social_worker, reason="重复申报")
    db.session.commit()
    told_now = the_one(volunteer, M.CLAIM_REVERSED)
    assert (params(told_now)["points"], params(told_now)["reason"]) == (8, "重复申报")
    assert link(app, told_now) == "/me/statement"
    assert [n.kind for n in told(volunteer)] == [M.CLAIM_APPROVED.key, M.CLAIM_REVERSED.key]


def test_a_rolled_back_approval_tells_nobody(submit, social_worker, volunteer):
    claim = submit()
    claims.approve_claim(claim, actor=social_worker)
    db.session.rollback()
    assert count() == 0
    assert claim.status == "submitted"


def test_a_claim_refused_in_a_bulk_approval_tells_nothing_of_it(submit, social_worker, volunteer):
    # Two claims for one day of a type capped at 16 points a day: the second would pass it.
    first = submit("elder-companionship", quantity="1.5")
    second = submit("elder-companionship", quantity="1.5")
    result = claims.approve_many([first.id, second.id], actor=social_worker)
    db.session.commit()
    assert [c.id for c in result.approved] == [first.id] and second.id in result.refused
    assert [n.subject for n in told(volunteer)] == [f"claim:{first.id}"]


def test_a_member_who_reads_english_is_told_in_english(submit, social_worker, volunteer):
    volunteer.locale = "en"
    db.session.commit()
    claim = submit("elder-companionship", quantity=1)
    claims.reject_claim(claim, actor=social_worker, reason="no follow-up call on record")
    db.session.commit()
    told_now = the_one(volunteer, M.CLAIM_REJECTED)
    assert told_now.locale == "en"
    with render.in_locale(told_now.locale):
        assert render.title(told_now) == (
            "Your claim for Visiting an older person who lives alone is not approved"
        )
        assert render.body(told_now).endswith("is not approved: no follow-up call on record")
    with render.in_locale("zh_Hans_CN"):
        assert render.title(told_now) == "独居老人陪伴探访 积分申报未通过"
