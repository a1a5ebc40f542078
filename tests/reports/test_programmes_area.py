"""The programmes area against hand-counted sessions, sign-ups and ratings (rows written as a
term of use leaves them; the workflow's own tests are in tests/programmes).

In 云溪 (A): 宋老师 runs 瑜伽课 (市场) and 夜校 (公益), 刘老师 runs 女性工坊 (低偿); in 滨江 (B)
孙老师 runs 童享花园 (公益). Sessions (✓ checked in, · signed up only, ✗ cancelled):

  Oct 15  瑜伽课   closed     v1 ✓                   v1 ★4
  Nov 5   瑜伽课   closed     v1 ✓ v2 ✓ r1 ·         v1 ★5, v2 ★4
  Nov 8   女性工坊 cancelled  v1 ·                   (not held)
  Nov 12  瑜伽课   closed     v1 ✓ r1 ✓              v1 ★3, r1 ★2 (complaint, open)
  Nov 19  夜校     closed     v1 ✓ v2 ·              v1 ★5
  Nov 20  女性工坊 closed     v2 ✓ r1 ✗              v2 ★1 (complaint, upheld)
  Nov 26  女性工坊 open       v1 ·                   (not closed: not held yet)
  Nov 10  童享花园 closed     b1 ✓                   (community B)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

from points.activities.models import Activity, ActivityType, Signup
from points.extensions import db
from points.programmes.models import Programme, ProgrammeSession, Rating
from points.reports import services as reports
from points.spaces import services as spaces
from points.spaces.models import Booking
from tests.conftest import api_token, sign_in

EVERY_DAY = {day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS}


def _space(community, code):
    made = spaces.ensure_space(code=code, community=community.name, name_zh="活动室",
                               name_en="Activity room", capacity=30, opening_hours=EVERY_DAY,
                               price_low_fee=0, price_market=0)
    db.session.flush()
    return made


def _programme(host, community, name, tier, fee_fen):
    made = Programme(community_id=community.id, host_id=host.id, name=name, tier=tier,
                     fee_fen=fee_fen, capacity=20, status="active")
    db.session.add(made)
    db.session.flush()
    return made


def _session(programme, space, kind, month, day, status, signups, ratings=()):
    """One session at 10:00 Shanghai; signups: (member, "in" | "signed" | "cancelled");
    ratings: (member, stars, complaint status or None)."""
    start = datetime(2026, month, day, 2, tzinfo=UTC)
    booking = Booking(space_id=space.id, host_id=programme.host_id, start_at=start,
                      end_at=start + timedelta(hours=1), tier=programme.tier, title=programme.name,
                      status="confirmed")
    activity = Activity(activity_type_id=kind.id, community_id=programme.community_id,
                        organiser_id=programme.host_id, title=programme.name, place="活动室",
                        starts_at=start, ends_at=start + timedelta(hours=1), capacity=20,
                        status=status)
    db.session.add_all([booking, activity])
    db.session.flush()
    session = ProgrammeSession(programme_id=programme.id, activity_id=activity.id,
                               booking_id=booking.id)
    db.session.add(session)
    db.session.flush()
    for member, how in signups:
        db.session.add(Signup(
            activity_id=activity.id, member_id=member.id,
            status="cancelled" if how == "cancelled" else "signed_up",
            checked_in_at=start + timedelta(minutes=10) if how == "in" else None,
            checked_in_by=programme.host_id if how == "in" else None,
        ))
    for member, stars, complaint in ratings:
        decided = complaint in ("upheld", "dismissed")
        db.session.add(Rating(session_id=session.id, member_id=member.id, stars=stars,
                              complaint_status=complaint, created_at=start + timedelta(hours=3),
                              decided_at=start + timedelta(days=1) if decided else None,
                              decision_reason="属实" if decided else ""))
    db.session.flush()
    return session


def _seed(history, make_member):
    a, b, v1, v2, r1, b1 = history.a, history.b, history.v1, history.v2, history.r1, history.b1
    song = make_member("13900000003", level="host", name="宋老师")
    liu = make_member("13900000007", level="host", name="刘老师")
    sun = make_member(community=b, level="host", name="孙老师")
    kind = db.session.scalar(sa.select(ActivityType).filter_by(code="programme-attend",
                                                               is_current=True))
    room, garden = _space(a, "yunxi-room"), _space(b, "binjiang-room")
    yoga = _programme(song, a, "瑜伽课", "market", 4000)
    school = _programme(song, a, "夜校", "free", 0)
    workshop = _programme(liu, a, "女性工坊", "low_fee", 1000)
    kids = _programme(sun, b, "童享花园", "free", 0)
    _session(yoga, room, kind, 10, 15, "closed", [(v1, "in")], [(v1, 4, None)])
    _session(yoga, room, kind, 11, 5, "closed", [(v1, "in"), (v2, "in"), (r1, "signed")],
             [(v1, 5, None), (v2, 4, None)])
    _session(workshop, room, kind, 11, 8, "cancelled", [(v1, "signed")])
    _session(yoga, room, kind, 11, 12, "closed", [(v1, "in"), (r1, "in")],
             [(v1, 3, None), (r1, 2, "open")])
    _session(school, room, kind, 11, 19, "closed", [(v1, "in"), (v2, "signed")],
             [(v1, 5, None)])
    _session(workshop, room, kind, 11, 20, "closed", [(v2, "in"), (r1, "cancelled")],
             [(v2, 1, "upheld")])
    _session(workshop, room, kind, 11, 26, "open", [(v1, "signed")])
    _session(kids, garden, kind, 11, 10, "closed", [(b1, "in")], [(b1, 5, None)])
    db.session.commit()


def test_programmes_sessions_attendance_and_ratings(history, make_member):
    _seed(history, make_member)
    report = reports.area_report(reports.context(history.sw, month="2026-11"), "programmes")
    figure = {f.key: (f.value, f.previous) for f in report.figures}
    assert figure["running"] == (3, 1)  # 瑜伽课, 夜校, 女性工坊; October: 瑜伽课
    assert figure["sessions"] == (4, 1)  # the cancelled and the still open are not held
    assert figure["signups"] == (8, 1)  # 3 + 2 + 2 + 1; a cancelled seat is no sign-up
    assert figure["attended"] == (6, 1)  # 2 + 2 + 1 + 1
    assert figure["participants"] == (3, 1)  # v1, v2, r1
    assert figure["attendance_rate"] == (0.75, 1.0)
    assert figure["ratings"] == (6, 1)
    assert figure["average_rating"] == (3.33, 4.0)  # (5 + 4 + 3 + 2 + 5 + 1) / 6
    assert figure["satisfied"] == (0.5, 1.0)  # 5, 4 and 5 of six
    assert figure["complaints"] == (2, 0)
    assert figure["upheld"] == (1, 0)

    # tier: programmes, sessions, sign-ups, attended, ratings, average, complaints
    tiers = {row[0]["zh"]: row[1:] for row in report.table("by_tier").rows}
    assert tiers == {
        "公益": [1, 1, 2, 1, 1, 5.0, 0],
        "低偿": [1, 1, 1, 1, 1, 1.0, 1],
        "市场": [1, 2, 5, 4, 4, 3.5, 1],
    }
    hosts = [(row[0], row[1:]) for row in report.table("top_hosts").rows]
    assert hosts == [("宋老师", [2, 3, 7, 5, 5, 3.8, 1]), ("刘老师", [1, 1, 1, 1, 1, 1.0, 1])]
    [community] = report.table("by_community").rows
    assert community[0]["zh"] == history.a.name and community[2] == 4


def test_the_street_adds_every_community_and_a_social_worker_sees_only_hers(history,
                                                                           make_member):
    _seed(history, make_member)
    street = reports.area_report(reports.context(history.admin, month="2026-11"), "programmes")
    assert street.figure("sessions").value == 5  # B's 童享花园 session too
    assert street.figure("running").value == 4
    assert street.figure("participants").value == 4
    assert street.figure("average_rating").value == 3.57  # 25 stars over seven ratings
    assert [row[2] for row in street.table("by_community").rows] == [4, 1]
    only_b = reports.area_report(
        reports.context(history.admin, month="2026-11", community_id=history.b.id), "programmes"
    )
    assert only_b.figure("sessions").value == 1
    assert [row[0] for row in only_b.table("top_hosts").rows] == ["孙老师"]
    mine = reports.area_report(reports.context(history.sw, month="2026-11"), "programmes")
    assert "孙老师" not in [row[0] for row in mine.table("top_hosts").rows]


def test_programme_pages_exports_api_and_the_public_summary(history, make_member, client):
    _seed(history, make_member)
    headers = api_token(client, "13900000001")  # before the session: a bearer only
    sign_in(client, "13900000001")
    page = client.get("/reports/programmes?month=2026-11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "宋老师" in html and "3.33" in html and "<svg" in html
    assert 'href="/reports/programmes?' in client.get("/reports?month=2026-11").get_data(
        as_text=True)
    csv_text = client.get("/reports/programmes/by_tier.csv?month=2026-11").get_data(as_text=True)
    assert "市场,1,2,5,4,4,3.5,1" in csv_text
    book = load_workbook(BytesIO(client.get("/reports.xlsx?month=2026-11").data))
    sheet = book["品牌项目"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["开展项目场次"] == 4
    monthly = client.get("/reports/monthly?month=2026-11").get_data(as_text=True)
    assert "开展项目场次" in monthly
    answer = client.get("/api/v1/reports/programmes?month=2026-11",
                        headers=headers).get_json()
    figures = {f["key"]: f["value"] for f in answer["figures"]}
    assert figures["attended"] == 6 and figures["average_rating"] == 3.33
    public = client.get(f"/public/communities/{history.a.id}/summary?month=2026-11")
    text = public.get_data(as_text=True)
    assert "开展项目场次" in text
    assert "3.33" not in text  # an average of a handful of ratings is not public
    def public_row(label):
        return re.search(label + r"</th><td[^>]*>([^<]*)</td>", text).group(1)

    assert public_row("开展项目场次") == "&lt; 5"  # four sessions: a count under five
    assert public_row(r"到场人次（已签到）") == "6"
    assert public_row(r"到场居民人数（去重）") == "&lt; 5"
