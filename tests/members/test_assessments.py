"""Quarterly host assessment: a quarter is rated once it has ended, only members who were
hosts during it, on the days they held the role; drafts until a social worker publishes;
two published reds in consecutive rated quarters return a host to talent, with the same
consequences as any loss of level (future bookings cancelled and refunded, minutes kept)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.errors import Conflict, Forbidden, InvalidInput
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Transfer
from points.ledger.verify import verify_ledger
from points.members import quarterly
from points.members import services as members
from points.members.models import Assessment
from points.spaces import services as spaces
from tests.conftest import csrf_token, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 1 December 2026, 10:00 in the community: 2026Q4 runs for another month.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
EVERY_DAY = {day: [["08:00", "21:00"]] for day in spaces.WEEKDAYS}


def local(day: str, hhmm: str = "00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def make_host(make_member):
    """make_host(since) → a member appointed host at `since`."""

    def make(since: datetime, **kw):
        member = make_member(now=since - timedelta(days=60), **kw)
        members.import_level(member, "host", reason="appointed", actor_id=None, now=since)
        db.session.commit()
        return member

    return make


def good(measured, host, quarter):
    measured[("service_hours", host.id, quarter)] = 40
    measured[("programmes_held", host.id, quarter)] = 9


def publish(actor, quarter, now=NOW):
    quarterly.run_draft(actor, quarter, now=now)
    token = quarterly.summary(actor, quarter).token
    return quarterly.publish(actor, quarter, confirmed=token, now=now)


def rows(quarter):
    return db.session.scalars(sa.select(Assessment).filter_by(quarter=quarter)).all()


# ---------------------------------------------------------------- when and whom


def test_a_running_quarter_is_not_rated_only_previewed(measured, make_host, social_worker):
    host = make_host(local("2026-01-05"))
    with pytest.raises(InvalidInput, match="has not ended"):
        quarterly.run_draft(social_worker, "2026Q4", now=NOW)
    seen = quarterly.preview(social_worker, "2026Q4", now=NOW)
    assert [(hq.member.id, hq.preview.colour) for hq in seen] == [(host.id, "red")]
    assert rows("2026Q4") == [], "a preview records nothing"
    with pytest.raises(InvalidInput, match="has not ended"):
        quarterly.publish(social_worker, "2026Q4", confirmed="x", now=NOW)
    assert host.level == "host"


def test_a_quarter_before_the_member_was_host_is_not_rated(measured, make_host, social_worker):
    host = make_host(local("2026-10-08"))
    for quarter in ("2026Q2", "2026Q3"):
        assert quarterly.run_draft(social_worker, quarter, now=NOW) == []
        assert quarterly.hosts_of(social_worker, quarter, now=NOW) == []
        with pytest.raises(Conflict):
            quarterly.publish(social_worker, quarter, confirmed="", now=NOW)
    db.session.commit()
    assert host.level == "host" and rows("2026Q2") == rows("2026Q3") == []


def test_less_than_half_the_quarter_as_host_is_listed_as_not_rated(
    measured, make_host, social_worker
):
    late = make_host(local("2026-08-20"))
    assert quarterly.run_draft(social_worker, "2026Q3", now=NOW) == []
    (hq,) = quarterly.board(social_worker, "2026Q3", now=NOW)
    assert (hq.member.id, hq.rated, hq.days_held, hq.days_in_quarter) == (late.id, False, 42, 92)
    assert hq.since == local("2026-08-20")


def test_a_host_is_rated_on_the_days_they_held_the_role(measured, make_host, social_worker):
    host = make_host(local("2026-08-01"))  # 61 of Q3's 92 days: thresholds × 61/92
    measured[("service_hours", host.id, "2026Q3")] = 20  # green from 19.9 hours
    measured[("programmes_held", host.id, "2026Q3")] = 3  # green from 4 sessions
    (draft,) = quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    findings = {f["code"]: f for f in draft.findings}
    assert (draft.days_rated, draft.days_in_quarter) == (61, 92)
    assert (findings["service_hours"]["colour"], findings["service_hours"]["green"]) == (
        "green",
        19.9,
    )
    assert (findings["programmes_held"]["colour"], findings["programmes_held"]["green"]) == (
        "yellow",
        4,
    )
    assert draft.colour == "yellow"


def test_what_the_platform_does_not_measure_is_left_out_of_the_colour(
    measured, make_host, social_worker
):
    host = make_host(local("2026-01-05"))
    good(measured, host, "2026Q3")
    (draft,) = quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    findings = {f["code"]: (f["value"], f["colour"]) for f in draft.findings}
    assert findings["rating"] == (None, "unrated")
    assert findings["complaints"] == (None, "unrated")
    assert draft.colour == "green"


def test_without_platform_data_nobody_is_rated_or_demoted(monkeypatch, make_host, social_worker):
    monkeypatch.setattr(members, "_measures", {})
    host = make_host(local("2026-01-05"))
    publish(social_worker, "2026Q2")
    (published,), demoted = publish(social_worker, "2026Q3")
    assert published.colour == "unrated" and demoted == [] and host.level == "host"


# ---------------------------------------------------------------- drafts and publishing


def test_ratings_are_drafts_until_published_and_a_draft_can_run_again(
    measured, make_host, social_worker
):
    host = make_host(local("2026-01-05"))
    (draft,) = quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    assert (draft.status, draft.colour) == ("draft", "red")
    assert quarterly.latest_for(host) is None, "the host sees no draft"
    good(measured, host, "2026Q3")
    (again,) = quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    assert (again.id, again.colour) == (draft.id, "green")
    shown = quarterly.summary(social_worker, "2026Q3")
    assert (shown.hosts, shown.colours["green"], shown.demotions) == (1, 1, [])
    (published,), _ = quarterly.publish(social_worker, "2026Q3", confirmed=shown.token, now=NOW)
    db.session.commit()
    assert published.status == "published" and published.published_by == social_worker.id
    assert quarterly.latest_for(host).id == published.id
    assert quarterly.run_draft(social_worker, "2026Q3", now=NOW) == [], "published stays"


def test_publishing_refuses_drafts_that_changed_after_the_confirmation(
    measured, make_host, social_worker
):
    host = make_host(local("2026-01-05"))
    quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    shown = quarterly.summary(social_worker, "2026Q3")
    good(measured, host, "2026Q3")
    quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    with pytest.raises(Conflict, match="changed"):
        quarterly.publish(social_worker, "2026Q3", confirmed=shown.token, now=NOW)
    assert quarterly.latest_for(host) is None


def test_notes_go_on_yellow_and_red_only_and_quarters_are_checked(
    measured, make_host, social_worker
):
    host = make_host(local("2026-01-05"))
    (red,) = quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    with pytest.raises(InvalidInput):
        quarterly.add_note(red, note=" ", actor=social_worker)
    quarterly.add_note(red, note="每月至少开展两次活动", actor=social_worker)
    good(measured, host, "2026Q2")
    (green,) = quarterly.run_draft(social_worker, "2026Q2", now=NOW)
    with pytest.raises(Conflict):
        quarterly.add_note(green, note="x", actor=social_worker)
    for bad in ("2027Q1", "2026-4", ""):
        with pytest.raises(InvalidInput):
            quarterly.preview(social_worker, bad, now=NOW)


# ---------------------------------------------------------------- demotion


def test_two_published_reds_in_consecutive_rated_quarters_return_a_host_to_talent(
    measured, make_host, social_worker
):
    host = make_host(local("2026-01-05"))
    quarterly.run_draft(social_worker, "2026Q2", now=NOW)
    quarterly.run_draft(social_worker, "2026Q3", now=NOW)
    assert host.level == "host", "drafts count for nothing"
    _, demoted = publish(social_worker, "2026Q2")
    assert demoted == [] and host.level == "host", "one red is a warning"
    assert [m.id for m, _ in quarterly.summary(social_worker, "2026Q3").demotions] == [host.id]
    _, (change,) = publish(social_worker, "2026Q3")
    db.session.commit()
    assert host.level == "talent"
    assert (change.from_level, change.to_level, change.decided_by) == (
        "host",
        "talent",
        social_worker.id,
    )
    assert "2026Q2" in change.reason and "2026Q3" in change.reason


def test_a_red_then_green_quarter_keeps_the_host(measured, make_host, social_worker):
    host = make_host(local("2026-01-05"))
    publish(social_worker, "2026Q2")
    good(measured, host, "2026Q3")
    _, demoted = publish(social_worker, "2026Q3")
    assert demoted == [] and host.level == "host"


def test_reds_of_an_earlier_tenure_do_not_count(measured, make_host, social_worker):
    host = make_host(local("2026-01-05"))
    publish(social_worker, "2026Q1")
    members.demote(host, "talent", reason="moved away", actor_id=None, now=local("2026-04-02"))
    members.import_level(host, "host", reason="back", actor_id=None, now=local("2026-04-20"))
    _, demoted = publish(social_worker, "2026Q2")
    assert demoted == [] and host.level == "host"


# ---------------------------------------------------------------- consequences


@pytest.fixture
def rooms(places):
    """A host-only room (20 points an hour at 低偿) and a room talents may book too."""
    made = {}
    for code, level in (("host-room", "host"), ("open-room", "talent")):
        made[level] = spaces.ensure_space(
            code=code,
            community=places[0].name,
            name_zh=f"{code}室",
            name_en=code,
            capacity=20,
            opening_hours=EVERY_DAY,
            min_level=level,
            price_low_fee=20,
        )
    db.session.commit()
    return made


def fund(member, points=0, minutes=0):
    for asset, amount in (("points", points), ("space_minutes", minutes)):
        if amount:
            ledger.transfer(
                kind="earn",
                source=ledger.system_account("issuance", asset),
                destination=ledger.member_wallet(member.id, asset),
                amount=amount,
            )


def available(member, asset="points"):
    return ledger.balance_of(ledger.member_wallet(member.id, asset)).available


def book(host, space, day, hhmm, *, made):
    start = local(day, hhmm)
    return spaces.book(
        host,
        space_id=space.id,
        start=start,
        end=start + timedelta(hours=2),
        tier="low_fee",
        title="社区合唱团",
        now=made,
    )


@pytest.fixture
def booked(measured, make_host, rooms):
    """A host (300 points, 60 space minutes) with a past booking, one tomorrow morning and
    one next week in the host-only room, and one next week in the open room."""
    host = make_host(local("2026-01-05"))
    fund(host, points=300, minutes=60)
    made = NOW - timedelta(days=10)
    past = book(host, rooms["host"], "2026-11-25", "09:00", made=made)
    soon = book(host, rooms["host"], "2026-12-01", "18:00", made=made)  # inside 24 h
    later = book(host, rooms["host"], "2026-12-08", "09:00", made=made)
    open_room = book(host, rooms["talent"], "2026-12-08", "14:00", made=made)
    db.session.commit()
    return host, past, soon, later, open_room


def test_demotion_cancels_and_refunds_future_bookings_the_new_level_may_not_make(
    booked, social_worker
):
    host, past, soon, later, open_room = booked
    # The 60 minutes paid the first hour of the first booking; the rest cost points.
    assert (past.cost_minutes, past.cost_points, soon.cost_points, later.cost_points) == (
        60,
        20,
        40,
        40,
    )
    before = available(host)
    publish(social_worker, "2026Q2")
    _, (change,) = publish(social_worker, "2026Q3")
    db.session.commit()
    assert host.level == "talent"
    assert [b.status for b in (past, soon, later, open_room)] == [
        "confirmed",
        "cancelled",
        "cancelled",
        "confirmed",
    ], "only future bookings the talent level may not make"
    assert available(host) == before + 40 + 40, "in full, even inside the refund deadline"
    assert available(host, "space_minutes") == 0, "the past booking used them; nothing else"
    for cancelled in (soon, later):
        assert (cancelled.refunded_points, cancelled.level_change_id) == (40, change.id)
    refunds = db.session.scalars(sa.select(Transfer).filter_by(kind="refund")).all()
    assert len(refunds) == 2, "one refund per cancelled booking"
    assert [b["booking"] for b in change.consequences["bookings"]] == [soon.id, later.id]
    assert change.consequences["space_minutes"] == {"balance": 0, "rule": "kept"}
    assert verify_ledger().ok


def test_exit_and_suspension_have_the_same_consequences(booked, make_member, social_worker):
    host, past, soon, later, open_room = booked
    change = members.set_status(host, "suspended", reason="暂停服务", actor=social_worker, now=NOW)
    db.session.commit()
    assert [b.status for b in (past, soon, later, open_room)] == [
        "confirmed",
        "cancelled",
        "cancelled",
        "cancelled",
    ], "a suspended member may book nothing"
    assert {b.level_change_id for b in (soon, later, open_room)} == {change.id}
    assert len(change.consequences["bookings"]) == 3
    assert change.consequences["space_minutes"]["rule"] == "kept"
    other = make_member(level="host")
    fund(other, minutes=120)
    gone = members.set_status(other, "exited", reason="搬离社区", actor=social_worker, now=NOW)
    assert gone.consequences == {
        "bookings": [],
        "waits_withdrawn": 0,
        "space_minutes": {"balance": 120, "rule": "kept"},
    }
    assert available(other, "space_minutes") == 120
    assert verify_ledger().ok


def test_an_admin_reverses_a_demotion_within_30_days_but_not_the_cancellations(
    booked, make_member, social_worker
):
    host, past, soon, later, open_room = booked
    admin = make_member(role="admin", name="周站长")
    publish(social_worker, "2026Q2")
    _, (change,) = publish(social_worker, "2026Q3")
    with pytest.raises(Forbidden):
        members.reverse_demotion(change, reason="评分有误", actor=social_worker, now=NOW)
    with pytest.raises(InvalidInput):
        members.reverse_demotion(change, reason=" ", actor=admin, now=NOW)
    with pytest.raises(Conflict):
        members.reverse_demotion(
            change, reason="评分有误", actor=admin, now=NOW + timedelta(days=31)
        )
    back = members.reverse_demotion(
        change, reason="评分有误", actor=admin, now=NOW + timedelta(days=3)
    )
    db.session.commit()
    assert (host.level, back.to_level, back.reverses_id) == ("host", "host", change.id)
    assert (soon.status, later.status) == ("cancelled", "cancelled")
    with pytest.raises(Conflict):
        members.reverse_demotion(change, reason="again", actor=admin, now=NOW)


# ---------------------------------------------------------------- pages


def test_the_board_previews_a_running_quarter_and_records_nothing(
    client, measured, make_host, social_worker
):
    make_host(local("2026-01-05"), name="宋老师")
    sign_in(client, social_worker.phone)
    html = client.get("/staff/assessments?quarter=2026Q4").get_data(as_text=True)
    assert "预览" in html and "宋老师" in html
    assert "/staff/assessments/run" not in html
    token = csrf_token(client, "/staff/assessments")
    answer = client.post(
        "/staff/assessments/run",
        data={"quarter": "2026Q4", "csrf_token": token},
        follow_redirects=True,
    )
    assert "尚未结束" in answer.get_data(as_text=True)
    assert rows("2026Q4") == []


def test_the_board_rates_drafts_and_publishes_after_a_confirmation(
    client, measured, make_host, social_worker, places
):
    strong = make_host(local("2026-01-05"), name="好主理人")
    weak = make_host(local("2026-01-05"), name="弱主理人")
    make_host(local("2026-08-20"), name="新主理人")
    make_host(local("2026-01-05"), name="外社区主理人", community=places[1])
    good(measured, strong, "2026Q3")
    sign_in(client, social_worker.phone)
    token = csrf_token(client, "/staff/assessments")
    html = client.post(
        "/staff/assessments/run",
        data={"quarter": "2026Q3", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "草稿" in html
    assert html.index("弱主理人") < html.index("好主理人") < html.index("新主理人")
    assert "未评级（" in html and "起任主理人）" in html
    assert "外社区主理人" not in html
    assert quarterly.latest_for(weak) is None
    confirm = client.get("/staff/assessments/publish?quarter=2026Q3").get_data(as_text=True)
    assert "2 名主理人" in confirm and "绿色" in confirm and "红色" in confirm
    answer = client.post(
        "/staff/assessments/publish",
        data={
            "quarter": "2026Q3",
            "confirmed": quarterly.summary(social_worker, "2026Q3").token,
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    assert "已公布" in answer.get_data(as_text=True)
    assert quarterly.latest_for(weak).colour == "red"


def test_the_host_sees_their_colour_thresholds_and_what_would_lift_it(
    client, measured, make_host, social_worker
):
    host = make_host(local("2026-01-05"))
    measured[("service_hours", host.id, "2026Q3")] = 20
    measured[("programmes_held", host.id, "2026Q3")] = 9
    publish(social_worker, "2026Q3")
    db.session.commit()
    sign_in(client, host.phone)
    html = client.get("/me").get_data(as_text=True)
    assert "黄色" in html and "2026Q3" in html
    assert "30" in html and "还差 10 小时服务时长即达绿色" in html
    assert "平台暂未统计" in html and "不计入颜色" in html
    assert html.count("即达绿色") == 1, "only the yellow measure says what would lift it"


def test_what_would_lift_it_is_said_with_its_unit_in_both_languages(
    client, measured, make_host, social_worker
):
    host = make_host(local("2026-01-05"))
    measured[("service_hours", host.id, "2026Q3")] = 18.5
    measured[("programmes_held", host.id, "2026Q3")] = 4
    publish(social_worker, "2026Q3")
    db.session.commit()
    sign_in(client, host.phone)
    html = client.get("/").get_data(as_text=True)  # the host's home page shows it too
    assert "还差 11.5 小时服务时长即达绿色" in html
    assert "还差 2 场活动即达绿色" in html
    token = csrf_token(client, "/")
    client.post("/language/en", data={"csrf_token": token, "next": "/"})
    html = client.get("/me").get_data(as_text=True)
    assert "To lift it: 11.5 more hours of service reach green." in html
    assert "To lift it: 2 more programme sessions reach green." in html


def test_my_bookings_says_why_a_booking_was_cancelled(client, booked, social_worker):
    host, past, soon, later, open_room = booked
    members.set_status(host, "suspended", reason="暂停", actor=social_worker, now=NOW)
    members.set_status(host, "active", reason="恢复", actor=social_worker, now=NOW)
    db.session.commit()
    sign_in(client, host.phone)
    html = client.get("/me/bookings").get_data(as_text=True)
    assert "已全额退回" in html and "暂停" in html


def test_the_member_record_shows_what_a_demotion_did_and_an_admin_reverses_it(
    client, booked, make_member, social_worker
):
    host, past, soon, later, open_room = booked
    admin = make_member("13900000006", role="admin", name="周站长")
    publish(social_worker, "2026Q2")
    _, (change,) = publish(social_worker, "2026Q3")
    change.created_at = utcnow() - timedelta(days=1)  # the page acts now: demoted yesterday
    db.session.commit()
    sign_in(client, social_worker.phone)
    page = f"/staff/members/{host.id}"
    html = client.get(page).get_data(as_text=True)
    assert "费用全部退回" in html and "退回 40 积分、0 分钟" in html
    assert "留在账户中" in html
    assert "撤销降级" not in html, "only an admin reverses"
    client.post("/logout", data={"csrf_token": csrf_token(client, page)})
    sign_in(client, admin.phone)
    html = client.get(page).get_data(as_text=True)
    assert "撤销降级" in html
    answer = client.post(
        f"/staff/members/{host.id}/changes/{change.id}/reverse",
        data={"reason": "数据有误", "csrf_token": csrf_token(client, page)},
        follow_redirects=True,
    )
    assert "降级已撤销" in answer.get_data(as_text=True)
    db.session.refresh(host)
    assert host.level == "host" and soon.status == "cancelled"


def test_on_the_demo_data_only_ended_quarters_and_their_hosts_are_rated(ctx, demo):
    from points.members.models import Member

    worker = db.session.scalar(sa.select(Member).filter_by(phone="13900000001"))
    with pytest.raises(InvalidInput, match="has not ended"):
        quarterly.run_draft(worker, quarterly.current_quarter())
    last = quarterly.last_ended_quarter()
    drafts = quarterly.run_draft(worker, last)
    listed = {hq.member.phone: hq for hq in quarterly.board(worker, last)}
    assert listed["13900000003"].rated, "宋老师 has been a host for over a year"
    colours = {d.member.phone: d.colour for d in drafts}
    assert colours["13900000003"] == "yellow", "her classes and desk hours are on record"
    assert {d.member.phone for d in drafts} == {p for p, hq in listed.items() if hq.rated}
    assert all(hq.days_held * 2 < hq.days_in_quarter for hq in listed.values() if not hq.rated)
    assert quarterly.latest_for(listed["13900000003"].member) is None, "drafts only"
