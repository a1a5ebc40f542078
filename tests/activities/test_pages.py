"""Earning pages: claim with a photo, review and bulk-approve, statement, activity check-in."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from points.activities import events
from points.database import utcnow
from points.extensions import db
from tests.activities.photos import JPEG, opened
from tests.conftest import csrf_token, sign_in


def test_a_volunteer_claims_with_a_photo_and_the_social_worker_approves(
    client, volunteer, social_worker, today
):
    sign_in(client, volunteer.phone)
    form = client.get("/claims/new?type=patrol-routine").get_data(as_text=True)
    assert '<option selected value="patrol-routine">' in form
    answer = client.post(
        "/claims/new",
        data={
            "csrf_token": csrf_token(client, "/claims/new"),
            "activity_type": "patrol-routine",
            "occurred_on": (today - timedelta(days=1)).isoformat(),
            "quantity": "1.5",
            "note": "夜间巡查",
            "photo": (io.BytesIO(JPEG), "p.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    mine = client.get("/me/claims").get_data(as_text=True)
    assert "网格日常巡查" in mine and "待审核" in mine

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in(client, social_worker.phone)
    queue = client.get("/staff/claims").get_data(as_text=True)
    assert "王阿姨" in queue and "查看照片" in queue
    claim_id = int(re.search(r'name="claim" value="(\d+)"', queue).group(1))
    shown = client.get(f"/claims/{claim_id}/photo")
    assert shown.mimetype == "image/jpeg" and shown.headers["X-Content-Type-Options"] == "nosniff"
    assert opened(shown.data).format == "JPEG" and opened(shown.data).size == (40, 20)
    done = client.post(
        "/staff/claims/approve",
        data={"csrf_token": csrf_token(client, "/staff/claims"), "claim": [str(claim_id)]},
        follow_redirects=True,
    )
    assert "1 条申报已通过" in done.get_data(as_text=True)

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in(client, volunteer.phone)
    statement = client.get("/me/statement").get_data(as_text=True)
    assert "网格日常巡查" in statement and "+15" in statement


def test_a_bad_claim_is_shown_again_with_the_field_marked(client, volunteer, today):
    sign_in(client, volunteer.phone)
    answer = client.post(
        "/claims/new",
        data={
            "csrf_token": csrf_token(client, "/claims/new"),
            "activity_type": "elder-companionship",
            "occurred_on": (today + timedelta(days=3)).isoformat(),
            "quantity": "2",
        },
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "不能是将来的日期" in page
    assert client.get("/me/claims").get_data(as_text=True).count("card") <= 1


def test_another_members_photo_is_not_found(client, submit, make_member):
    claim = submit()
    sign_in(client, make_member(level="volunteer").phone)
    assert client.get(f"/claims/{claim.id}/photo").status_code == 404
    assert client.get("/staff/claims").status_code == 403


def test_scanning_the_code_opens_a_one_tap_check_in(client, social_worker, volunteer, catalogue):
    start = utcnow() + timedelta(minutes=5)
    activity = events.create_activity(
        social_worker,
        activity_type="elder-companionship",
        title="陪老人下棋",
        place="活动室",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=5,
    )
    activity_id = activity.id
    db.session.commit()
    sign_in(client, social_worker.phone)
    qr = client.get(f"/activities/{activity_id}/qr").get_data(as_text=True)
    assert "<svg" in qr
    url = re.search(r"(/activities/check-in\?token=[^\"'<\s]+)", _check_in_url(client, activity_id))
    client.post("/logout", data={"csrf_token": csrf_token(client)})

    sign_in(client, volunteer.phone)
    assert client.get(f"/activities/{activity_id}/qr").status_code == 403
    page = client.get(url.group(1)).get_data(as_text=True)
    assert "签到" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post(
        "/activities/check-in",
        data={"csrf_token": csrf_token(client, url.group(1)), "token": token},
        follow_redirects=True,
    )
    assert "签到成功" in done.get_data(as_text=True)


def _check_in_url(client, activity_id: int) -> str:
    answer = client.get(f"/api/v1/activities/{activity_id}/check-in-code")
    return answer.get_json()["url"]


def test_the_catalogue_page_is_open_to_visitors_in_both_languages(client, catalogue):
    page = client.get("/activities/types").get_data(as_text=True)
    assert "网格日常巡查" in page and "随手拍" in page
    client.post("/language/en", data={"csrf_token": csrf_token(client, "/activities/types")})
    english = client.get("/activities/types").get_data(as_text=True)
    assert "Routine grid patrol" in english and "Ways to earn points" in english


def test_an_admin_changes_a_rule_on_its_page(client, make_member, catalogue):
    admin = make_member(role="admin", community=None)
    sign_in(client, admin.phone)
    path = "/activities/types/elder-companionship/edit"
    page = client.get(path).get_data(as_text=True)
    assert "v1" in page
    answer = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "points": "10",
            "daily_cap": "",
            "monthly_cap": "200",
            "min_level": "volunteer",
            "approver": "social_worker",
            "active": "y",
        },
        follow_redirects=True,
    )
    assert "已保存为第 2 版" in answer.get_data(as_text=True)
    bad = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "points": "10",
            "monthly_cap": "5",
            "min_level": "volunteer",
            "approver": "social_worker",
        },
    )
    assert bad.status_code == 422
