"""Loading seed data files (`seed/*.toml`) through the same services the pages use.

A bad file stops the load with an error naming the file and the entry; nothing is written
(the caller commits only when everything loaded).
"""

from __future__ import annotations

import io
import random
import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from points import clock
from points import messages as M
from points.activities import catalogue, events
from points.activities import services as activity_claims
from points.database import utcnow
from points.errors import InvalidInput, PointsError
from points.extensions import db
from points.fund import services as fund
from points.ledger import services as ledger
from points.marketplace import services as market
from points.members import helpers, training
from points.members import services as members
from points.members.models import Community, Course, Grid, Member
from points.spaces import attendance
from points.spaces import services as space_services
from points.tickets import services as tickets

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
SYSTEM_ACCOUNTS = (
    ("issuance", "points"),
    ("adjustments", "points"),
    ("expired", "points"),
    ("space", "points"),
    ("issuance", "space_minutes"),
    ("space", "space_minutes"),
)


class SeedError(InvalidInput):
    """A seed file is malformed; the message names the file and entry."""

    code = "bad_seed"


def read(name: str, directory: Path = SEED_DIR) -> dict:
    path = directory / name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(M.SEED_FILE_NOT_FOUND, field=name, file=name) from None
    except tomllib.TOMLDecodeError as error:
        raise SeedError(M.SEED_NOT_TOML, field=name, file=name, reason=str(error)) from None


def _entry(file: str, where: str, fn, /, *args, **kwargs):
    """Run one entry; its errors name the file and entry."""
    try:
        return fn(*args, **kwargs)
    except PointsError as error:
        fields = ", ".join(f"{k}: {'; '.join(v)}" for k, v in error.errors.items())
        raise SeedError(
            M.SEED_ENTRY, field=file, file=file, where=where, problem=fields or error.message
        ) from None
    except (KeyError, TypeError) as error:
        raise SeedError(
            M.SEED_WRONG_FIELD, field=file, file=file, where=where, name=str(error)
        ) from None


def load_places(directory: Path = SEED_DIR) -> int:
    data = read("places.toml", directory)
    communities = data.get("communities") or []
    for i, c in enumerate(communities):
        _entry(
            "places.toml",
            f"communities[{i}]",
            members.ensure_place,
            data.get("street"),
            c.get("name"),
            list(c.get("grids", [])),
            c.get("name_en", ""),
        )
    return len(communities)


def load_courses(directory: Path = SEED_DIR) -> int:
    courses = read("courses.toml", directory).get("courses") or []
    for i, c in enumerate(courses):
        _entry("courses.toml", f"courses[{i}]", members.ensure_course, **c)
    return len(courses)


def load_activity_types(directory: Path = SEED_DIR) -> int:
    """The activity catalogue (积分事项): categories, then version 1 of each type."""
    data = read("activity_types.toml", directory)
    for i, c in enumerate(data.get("categories") or []):
        where = f"categories[{i}]"
        _entry("activity_types.toml", where, catalogue.ensure_category, **c, position=i)
    types = data.get("types") or []
    for i, t in enumerate(types):
        _entry("activity_types.toml", f"types[{i}] ({t.get('code')})", catalogue.ensure_type, **t)
    return len(types)


def load_benefits(directory: Path = SEED_DIR) -> int:
    """Providers (merchants, partner units, the communities) and their benefits."""
    data = read("benefits.toml", directory)
    for i, p in enumerate(data.get("providers") or []):
        _entry("benefits.toml", f"providers[{i}] ({p.get('code')})", market.ensure_provider, **p)
    offers = data.get("benefits") or []
    for i, b in enumerate(offers):
        where = f"benefits[{i}] ({b.get('title_zh')})"
        _entry("benefits.toml", where, market.ensure_benefit, **b)
    return len(offers)


def load_spaces(directory: Path = SEED_DIR) -> int:
    """The community centres' shared spaces with hours and tier prices."""
    data = read("spaces.toml", directory)
    rooms = data.get("spaces") or []
    for i, r in enumerate(rooms):
        _entry("spaces.toml", f"spaces[{i}] ({r.get('code')})", space_services.ensure_space, **r)
    for i, c in enumerate(data.get("closures") or []):
        _entry("spaces.toml", f"closures[{i}]", space_services.ensure_closure, **c)
    return len(rooms)


def load_tickets(directory: Path = SEED_DIR) -> int:
    """Ticket categories, handling units and the service menu (seed/tickets.toml)."""
    data = read("tickets.toml", directory)
    for i, c in enumerate(data.get("categories") or []):
        where = f"categories[{i}] ({c.get('code')})"
        _entry("tickets.toml", where, tickets.ensure_category, **c, position=i)
    for i, u in enumerate(data.get("units") or []):
        _entry("tickets.toml", f"units[{i}] ({u.get('code')})", tickets.ensure_unit, **u)
    items = data.get("items") or []
    for i, item in enumerate(items):
        where = f"items[{i}] ({item.get('code')})"
        _entry("tickets.toml", where, tickets.ensure_item, **item, position=i)
    return len(items)


def _ticket_people(directory: Path) -> None:
    """The demo's grid workers and unit staff (accounts of demo.toml, by phone)."""
    data = read("tickets.toml", directory)
    for i, entry in enumerate(data.get("grid_workers") or []):
        where = f"grid_workers[{i}]"
        member = _entry("tickets.toml", where, _demo_member, entry.get("phone"))
        _, grid_id = _entry(
            "tickets.toml", where, _place, entry.get("community"), entry.get("grid")
        )
        if grid_id is None:
            raise SeedError(M.SEED_NO_GRID, field="tickets.toml", grid=None,
                            community=entry.get("community"))
        tickets.add_grid_worker(member, grid_id, leader=bool(entry.get("leader")))
    for i, entry in enumerate(data.get("unit_staff") or []):
        where = f"unit_staff[{i}]"
        member = _entry("tickets.toml", where, _demo_member, entry.get("phone"))
        _entry("tickets.toml", where, tickets.add_unit_staff, member, entry.get("unit"))


# The demo's tickets in 云溪社区 over the last eight weeks: (days ago, category, grid,
# description, spot, what became of it). Enough of each kind that the public board shows
# its counts (it hides any under five) and every queue has something in it.
_DEMO_TICKETS = [
    (52, "hazard-flying-wire", "云溪二网格", "电动车从窗口拉线充电", "8幢1单元", "fixed"),
    (49, "hazard-flying-wire", "云溪二网格", "楼道里给电瓶车充电", "9幢2单元", "fixed"),
    (45, "hazard-flying-wire", "云溪一网格", "飞线充电，插线板挂在树上", "3幢北侧", "fixed"),
    (41, "hazard-flying-wire", "云溪三网格", "车棚外私拉电线", "15幢车棚", "fixed"),
    (37, "hazard-flying-wire", "云溪二网格", "一楼窗口垂下充电线", "7幢", "unconfirmed"),
    (33, "hazard-flying-wire", "云溪四网格", "飞线充电", "21幢", "fixed"),
    (30, "hazard-elevator", "云溪二网格", "电梯门关不上，一直报警", "6幢1单元", "fixed"),
    (27, "hazard-elevator", "云溪一网格", "电梯运行有异响", "2幢2单元", "fixed"),
    (24, "hazard-elevator", "云溪三网格", "电梯停在两层之间", "12幢1单元", "fixed"),
    (20, "hazard-elevator", "云溪二网格", "电梯按钮失灵", "10幢2单元", "not_ours"),
    (17, "hazard-elevator", "云溪四网格", "电梯年检过期", "19幢", "fixed"),
    (44, "hazard-fire-lane", "云溪二网格", "私家车长期占用消防通道", "小区东门", "fixed"),
    (38, "hazard-fire-lane", "云溪一网格", "消防通道堆放建筑垃圾", "5幢南侧", "fixed"),
    (29, "hazard-fire-lane", "云溪三网格", "楼道堆满纸箱", "14幢2单元", "fixed"),
    (22, "hazard-fire-lane", "云溪二网格", "消防门被锁死", "11幢1单元", "not_a_problem"),
    (15, "hazard-fire-lane", "云溪四网格", "地库消防通道被占", "地下车库B区", "fixed"),
    (40, "hazard-general", "云溪二网格", "井盖松动，踩上去会翻", "小区中心花园", "fixed"),
    (35, "hazard-general", "云溪一网格", "路灯连续三晚不亮", "1幢西侧小路", "fixed"),
    (26, "hazard-general", "云溪三网格", "墙上贴满小广告", "13幢单元门", "fixed"),
    (18, "hazard-general", "云溪二网格", "垃圾桶满溢无人清运", "9幢垃圾亭", "withdrawn"),
    (12, "hazard-general", "云溪四网格", "绿化带里有碎玻璃", "20幢前", "fixed"),
    (6, "hazard-flying-wire", "云溪二网格", "又有人从三楼拉线充电", "8幢2单元", "accepted"),
    (4, "hazard-elevator", "云溪二网格", "电梯里有烟味", "6幢2单元", "dispatched"),
    (2, "hazard-general", "云溪二网格", "单元门禁坏了关不上", "10幢1单元", "triaged"),
    (1, "hazard-fire-lane", "云溪二网格", "电动车堵在楼梯口", "7幢1单元", "reported"),
]


def _tickets(accounts: list[Member], now) -> None:
    """Demo tickets through the real loop: the courier and neighbours report, 赵网格 (or
    李社工 where a grid has no grid worker) checks and dispatches to 城管中队, 孙队员 handles
    them, reporters confirm and rate."""
    from PIL import Image

    courier = members.find_by_phone("13900000010")
    neighbour = members.find_by_phone("13900000004")
    grid_worker = members.find_by_phone("13900000008")
    social_worker = next((m for m in accounts if m.has_role("social_worker")), None)
    unit_staff = members.find_by_phone("13900000009")
    if None in (courier, neighbour, grid_worker, social_worker, unit_staff):
        return
    city = tickets.get_unit("city-management")
    community = db.session.scalar(sa.select(Community).filter_by(name="云溪社区"))
    grids = {g.name: g for g in community.grids}
    zone = clock.zone()

    def photo(member: Member, shade: int) -> str:
        out = io.BytesIO()
        Image.new("RGB", (64, 48), (120 + shade % 120, 90, 60)).save(out, format="JPEG")
        return activity_claims.save_evidence(member, out.getvalue()).token

    for i, (days, category, grid, what, spot, end) in enumerate(_DEMO_TICKETS):
        at = datetime.combine((now - timedelta(days=days)).astimezone(zone).date(), time(9),
                              tzinfo=zone) + timedelta(minutes=37 * i)
        reporter = courier if i % 3 else neighbour
        ticket = tickets.report(reporter, category=category, description=what, spot=spot,
                                grid=grids[grid].id, photos=[photo(reporter, i)], now=at)
        checker = grid_worker if grid == "云溪二网格" else social_worker
        if end == "reported":
            continue
        if end == "not_a_problem":
            tickets.close_as_not_a_problem(ticket, actor=checker, reason="现场核实消防门可正常开启",
                                           now=at + timedelta(hours=3))
            continue
        if end == "withdrawn":
            tickets.withdraw(ticket, member=reporter, reason="物业已清运",
                             now=at + timedelta(hours=2))
            continue
        tickets.verify(ticket, actor=checker, now=at + timedelta(hours=2))
        if end == "triaged":
            continue
        tickets.dispatch(ticket, actor=checker, units=[city.id], now=at + timedelta(hours=3))
        if end == "dispatched":
            continue
        tickets.accept(ticket, actor=unit_staff, now=at + timedelta(hours=5))
        if end == "accepted":
            continue
        outcome = "not_ours" if end == "not_ours" else "fixed"
        after = [photo(unit_staff, i + 50)] if outcome == "fixed" else []
        note = "已转交物业维保单位" if outcome == "not_ours" else "已现场处置并拍照留存"
        handled = at + timedelta(days=1 + i % 3, hours=2)
        tickets.handle(ticket, actor=unit_staff, outcome=outcome, note=note, photos=after,
                       now=handled)
        if end == "unconfirmed":
            tickets.close_unconfirmed(now=handled + timedelta(days=8))
            continue
        tickets.confirm(ticket, member=reporter, rating=5 if i % 4 else 4,
                        comment="处理及时" if i % 2 else "", now=handled + timedelta(hours=6))
        if i % 2 == 0:
            tickets.publish(ticket, actor=checker)
    # Weeks of tickets have been read as they came: the courier opens an inbox of today's.
    from points.notifications import services as notifications

    notifications.mark_all_read(courier, now=now)


def _demo_member(phone) -> Member:
    found = members.find_by_phone(phone) if isinstance(phone, str) else None
    if found is None:
        raise InvalidInput(M.NOT_A_REGISTERED_PHONE, field="phone")
    return found


def _place(community: str | None, grid: str | None) -> tuple[int | None, int | None]:
    if community is None:
        return None, None
    row = db.session.scalar(sa.select(Community).filter_by(name=community))
    if row is None:
        raise InvalidInput(M.SEED_NO_COMMUNITY, field="community", community=community)
    if grid is None:
        return row.id, None
    grid_row = db.session.scalar(sa.select(Grid).filter_by(community_id=row.id, name=grid))
    if grid_row is None:
        raise InvalidInput(M.SEED_NO_GRID, field="grid", grid=grid, community=community)
    return row.id, grid_row.id


class _Grower:
    """Walks a member up the ladder through the real flows, importing what the platform
    cannot yet have seen (service hours served before it existed)."""

    def __init__(self, admin: Member, now):
        self.admin, self.now = admin, now
        self.courses = db.session.scalars(sa.select(Course).order_by(Course.id)).all()

    def grow(self, member: Member, level: str, skill: tuple[str, str] | None, since=None) -> None:
        """Walk the member up to `level`, each step dated `since` (default: now), so that the
        level history says how long they have held it (the host assessment reads it)."""
        if level == "resident":
            return
        when = since or self.now
        members.record_pledge(member, real_name=member.name, now=when)
        tiers = {
            "volunteer": {"basic"},
            "talent": {"basic", "specialised"},
            "host": {"basic", "specialised", "leadership"},
        }[level]
        for course in self.courses:
            if course.tier in tiers:
                members.record_completion(
                    member, course, actor=self.admin, completed_on=when - timedelta(days=200)
                )
        if skill and level in ("talent", "host"):
            declared = members.declare_skill(member, category=skill[0], description=skill[1])
            members.review_skill(declared, approve=True, actor=self.admin, now=when)
        members.import_level(
            member,
            level,
            actor_id=self.admin.id,
            now=when,
            reason="imported from the street's volunteer roster",
        )


def load_demo(directory: Path = SEED_DIR) -> dict[str, int]:
    """System accounts, places, courses, the demo accounts and a believable population."""
    for name, asset in SYSTEM_ACCOUNTS:
        ledger.system_account(name, asset)
    load_places(directory)
    load_courses(directory)
    load_activity_types(directory)
    load_benefits(directory)  # before the accounts: merchant staff name their merchant
    load_spaces(directory)
    load_tickets(directory)
    data = read("demo.toml", directory)
    password_hash = members.hash_password(
        _entry("demo.toml", "password", members._password, data.get("password"))
    )
    now = utcnow()
    issuance = ledger.system_account("issuance")
    earnings: list[ledger.TransferSpec] = []
    accounts = data.get("accounts") or []
    created: list[tuple[Member, dict]] = []
    for i, entry in enumerate(accounts):
        where = f"accounts[{i}]"
        community_id, grid_id = _entry(
            "demo.toml", where, _place, entry.get("community"), entry.get("grid")
        )
        # How long ago the member reached their level (hosts: how long they have held it).
        since = now - timedelta(days=int(entry.get("level_since_days", 0)))
        member = _entry(
            "demo.toml",
            where,
            members.register_member,
            phone=entry.get("phone"),
            password=None,
            password_hash=password_hash,
            name=entry.get("name"),
            community_id=community_id,
            grid_id=grid_id,
            now=since,
        )
        if "role" in entry:
            _entry(
                "demo.toml",
                where,
                members.grant_role,
                member,
                entry["role"],
                merchant_id=entry.get("merchant"),
            )
        created.append((member, entry))
    admins = [m for m, _ in created if m.has_role("admin")]
    if not admins:
        raise SeedError(M.SEED_NEEDS_ADMIN, field="demo.toml")
    grower = _Grower(admins[0], now)
    for member, entry in created:
        skill = tuple(entry["skill"]) if "skill" in entry else None
        _entry(
            "demo.toml",
            f"account {entry.get('phone')}",
            grower.grow,
            member,
            entry.get("level", "resident"),
            skill,
            member.created_at,
        )
    # The first host's last quarter earns points through the flows; the roster import below
    # tops each account up to the balance demo.toml gives it.
    _entry("demo.toml", "assessment", _last_quarter, [m for m, _ in created], now)
    for member, entry in created:
        wallet = ledger.member_wallet(member.id)
        missing = (entry.get("points") or 0) - ledger.balance_of(wallet).balance
        if missing > 0:
            earnings.append(
                ledger.TransferSpec(
                    "earn", [(issuance, -missing), (wallet, missing)], "历史积分导入"
                )
            )
    population = _entry(
        "demo.toml",
        "population",
        _population,
        data.get("population") or {},
        password_hash,
        grower,
        issuance,
        now,
    )
    earnings += population["earnings"]
    ledger.post_transfers_bulk(earnings, actor_id=admins[0].id, now=now)
    _entry("demo.toml", "earning", _earning, [m for m, _ in created], now)
    _entry("demo.toml", "spending", _spending, [m for m, _ in created], now)
    _entry("demo.toml", "booking", _booking, [m for m, _ in created], now)
    for i, entry in enumerate(data.get("helpers") or []):
        _entry("demo.toml", f"helpers[{i}]", _helper, now, **entry)
    for i, entry in enumerate(data.get("sessions") or []):
        _entry("demo.toml", f"sessions[{i}]", _session, admins[0], **entry)
    _ticket_people(directory)
    _entry("demo.toml", "tickets", _tickets, [m for m, _ in created], now)
    _entry("demo.toml", "fund", _fund, now)
    _entry("demo.toml", "programmes", _programmes, [m for m, _ in created], now)
    # The programmes' space rent came out of the hosts' points: back to demo.toml's balances.
    refills = []
    for member, entry in created:
        wallet = ledger.member_wallet(member.id)
        missing = (entry.get("points") or 0) - ledger.balance_of(wallet).balance
        if missing > 0:
            refills.append(
                ledger.TransferSpec(
                    "earn", [(issuance, -missing), (wallet, missing)], "历史积分导入"
                )
            )
    if refills:
        ledger.post_transfers_bulk(refills, actor_id=admins[0].id, now=now)
    return {
        "accounts": len(created),
        "population": population["members"],
        "transfers": len(earnings),
    }


def _helper(now, *, resident, helper, scopes, days) -> None:
    """A resident names her helper (代办) herself, for `days` from today."""
    member = _demo_member(resident)
    helpers.grant_helper(
        member,
        helper_phone=helper,
        scopes=scopes,
        ends_on=clock.today(now) + timedelta(days=int(days)),
        granted_by=member,
        now=now,
    )


# 反哺 rates in basis points, from the first of the month two months back; 市场 was lowered
# from 25 % to 20 % at the start of last month.
FUND_RATES = (
    ("low_fee", 1000, -2),
    ("market", 2500, -2),
    ("sponsorship", 3000, -2),
    ("market", 2000, -1),
)


def _fund(now) -> dict[str, int]:
    """Three months of money in 云溪社区, the pilot scaled down: the two demo hosts' fees
    (低偿 and 市场) and market rent, a partner unit's sponsorship taken in by the office, the
    rates (one changed), a month settled and one outstanding, and grants in every state.
    The two months before this one bring in ¥12,000, of which ¥2,700 returns to the fund
    (the pilot's ¥60,000 and ¥13,000 at one fifth); the fund holds ¥2,220 after a ¥360 grant,
    ¥2,100 of it set aside for a grant in its public window."""
    host, host2 = members.find_by_phone("13900000003"), members.find_by_phone("13900000007")
    worker, admin = members.find_by_phone("13900000001"), members.find_by_phone("13900000006")
    if None in (host, host2, worker, admin) or host.level != "host" or host2.level != "host":
        return {}
    community_id = host.community_id
    zone = clock.zone()
    today = now.astimezone(zone).date()
    firsts = {0: today.replace(day=1)}
    for back in (1, 2):
        firsts[-back] = (firsts[1 - back] - timedelta(days=1)).replace(day=1)

    def at(day, hour=20):
        return min(datetime.combine(day, time(hour), tzinfo=zone), now)

    for basis, bp, month in FUND_RATES:
        fund.set_rate(
            admin,
            community_id,
            basis=basis,
            rate_bp=bp,
            starts_on=firsts[month],
            now=at(firsts[month], 0),
        )
    sponsor = next((p for p in market.providers() if p.kind == "partner"), None)
    entries = []
    for month in (-2, -1):
        first = firsts[month]
        days = [first + timedelta(days=d) for d in (2, 9, 16, 23)]
        for i, day in enumerate(d for d in days if d <= today):
            for collector, tier, amount, what in (
                (host, "low_fee", 30000, "瑜伽课（低偿）"),
                (host2, "market", 50000, "书法课（市场）"),
            ):
                entries.append(
                    (
                        day,
                        collector,
                        dict(
                            source="session_fee",
                            tier=tier,
                            amount_fen=amount,
                            payer_kind="resident",
                            payer_name=f"{what}学员",
                            method="transfer" if i % 2 else "cash",
                            subject=what,
                            idempotency_key=f"seed:fee:{collector.id}:{day}",
                        ),
                    )
                )
        rent_day = first + timedelta(days=12)
        if rent_day <= today:
            entries.append(
                (
                    rent_day,
                    host2,
                    dict(
                        source="market_rent",
                        tier="market",
                        amount_fen=80000,
                        payer_kind="unit",
                        payer_name="周末市集活动方",
                        method="transfer",
                        reference=f"RENT-{rent_day:%Y%m}",
                        idempotency_key=f"seed:rent:{rent_day}",
                    ),
                )
            )
    if sponsor is not None:
        entries.append(
            (
                firsts[-2] + timedelta(days=5),
                worker,
                dict(
                    source="sponsorship",
                    amount_fen=400000,
                    payer_kind="unit",
                    payer_name=sponsor.name_zh,
                    method="transfer",
                    reference="共建-2026-01",
                    idempotency_key="seed:sponsorship:1",
                ),
            )
        )
    for day, collector, values in sorted(entries, key=lambda e: e[0]):
        fund.record_income(
            collector,
            community_id=community_id,
            collector_id=collector.id,
            paid_on=day,
            now=at(day),
            **values,
        )
    # Two months ago settled by both hosts; last month handed over by 陈 and confirmed, by 张
    # declared and not yet confirmed; this month still open.
    settle_at = at(firsts[-1] + timedelta(days=3), 10)
    for collector, month, confirm in (
        (host, -2, True),
        (host2, -2, True),
        (host2, -1, True),
        (host, -1, False),
    ):
        label = f"{firsts[month]:%Y-%m}"
        owed = fund.settlement(community_id, collector.id, label).outstanding
        if owed <= 0:
            continue
        when = settle_at if month == -2 else at(firsts[-1] + timedelta(days=27), 10)
        payment = fund.declare_payment(
            collector,
            month=label,
            amount_fen=owed,
            method="transfer",
            reference=f"WX-{label}",
            now=when,
        )
        if confirm:
            fund.confirm_payment(worker, payment.id, now=when + timedelta(hours=2))

    def receipt(shade: int) -> int:
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (96, 64), (240, 240 - shade, 220)).save(out, format="PNG")
        return activity_claims.save_evidence(worker, out.getvalue()).id

    asked = at(firsts[-1] + timedelta(days=8), 10)
    paid = fund.request_grant(
        host,
        purpose="楼道声控灯更换 12 盏",
        project="云溪楼道微更新",
        amount_fen=36000,
        receipt_evidence_id=receipt(10),
        now=asked,
    )
    rejected = fund.request_grant(
        host2, purpose="书法课笔墨纸砚", project="青年夜校", amount_fen=80000, now=asked
    )
    for grant in (paid,):
        fund.approve_grant(worker, grant.id, now=asked + timedelta(hours=3))
        fund.approve_grant(admin, grant.id, now=asked + timedelta(hours=5))
        fund.pay_grant(worker, grant.id, now=asked + timedelta(days=1))
    fund.reject_grant(
        worker,
        rejected.id,
        reason="属项目自身经营支出，不属社区治理项目",
        now=asked + timedelta(hours=4),
    )
    recent = max(now - timedelta(days=1), asked + timedelta(days=2))
    public = fund.request_grant(
        host, purpose="童享花园护栏与雨水收集桶", project="童享花园", amount_fen=210000, now=recent
    )
    fund.approve_grant(worker, public.id, now=recent + timedelta(minutes=30))
    fund.approve_grant(admin, public.id, now=recent + timedelta(hours=1))
    waiting = fund.request_grant(
        host2, purpose="议事厅桌椅维修", project="居民议事会", amount_fen=45000, now=now
    )
    fund.approve_grant(worker, waiting.id, now=now)
    return {"income": len(entries)}


def _session(admin: Member, *, course, community, starts_at, place, capacity) -> None:
    """A training session of the street's schedule, in the named community."""
    community_id, _ = _place(community, None)
    training.schedule(
        admin,
        course_code=course,
        starts_at=starts_at,
        place=place,
        capacity=capacity,
        community_id=community_id,
    )


def _earning(accounts: list[Member], now) -> None:
    """Some claims in the social worker's queue, one already paid, an activity tomorrow."""
    worker = next((m for m in accounts if m.has_role("social_worker")), None)
    host = next((m for m in accounts if m.level == "host"), None)
    if worker is None or worker.community_id is None:
        return
    today = activity_claims.local_today(now)
    volunteers = db.session.scalars(
        sa.select(Member)
        .where(Member.community_id == worker.community_id, Member.level == "volunteer")
        .where(Member.id != worker.id)
        .order_by(Member.id)
        .limit(4)
    ).all()
    work = [("elder-companionship", 2), ("patrol-home-visit", 4), ("civic-door-to-door", 6)]
    for i, volunteer in enumerate(volunteers):
        code, quantity = work[i % len(work)]
        claim = activity_claims.submit_claim(
            volunteer,
            activity_type=code,
            occurred_on=today - timedelta(days=i + 1),
            quantity=quantity,
            note="社区志愿服务",
            now=now,
        )
        if i == 0:
            activity_claims.approve_claim(claim, actor=worker, now=now)
    if host is not None and host.community_id is not None:
        zone = clock.zone()
        start = datetime.combine(today + timedelta(days=1), time(9, 0), tzinfo=zone)
        events.create_activity(
            host,
            activity_type="elder-companionship",
            title="晨间瑜伽·陪伴长者",
            place="云溪社区活动室",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=20,
            now=now,
        )


def _spending(accounts: list[Member], now) -> None:
    """The first volunteer holds a voucher of the first merchant, ready to confirm."""
    volunteer = next((m for m in accounts if m.level == "volunteer" and not m.roles), None)
    first = market.providers()[:1]
    if volunteer is None or not first:
        return
    offers = [
        b
        for b in market.benefits(provider_id=first[0].id)
        if b.min_level in ("resident", "volunteer") and b.per_member_limit is None
    ]
    if offers:
        market.redeem(volunteer, benefit_id=offers[0].id, now=now)


# (space code, weekday, start hour, hours, title): the community centre's regular programmes.
PROGRAMMES = [
    ("yunxi-activity-room", 1, 19, 2, "社区合唱团排练"),
    ("yunxi-activity-room", 3, 9, 2, "长者智能手机课堂"),
    ("yunxi-classroom", 2, 19, 2, "青年夜校·书法"),
    ("yunxi-garden", 5, 8, 2, "屋顶菜园认养日"),
    ("yunxi-kitchen", 4, 14, 2, "邻里共享厨房·包饺子"),
    ("yunxi-reading-room", 6, 10, 2, "亲子绘本共读"),
]


def _booking(accounts: list[Member], now) -> None:
    """Four past weeks of the hosts' regular programmes (checked in at the door, one never
    was, so the app releases it as a no-show) and the next two weeks booked ahead, each made
    through the booking flow at the time it would have been made."""
    zone = clock.zone()
    demo_host = next((m for m in accounts if m.level == "host"), None)
    if demo_host is None or demo_host.community_id is None:
        return
    hosts = [demo_host] + list(
        db.session.scalars(
            sa.select(Member)
            .where(Member.level == "host", Member.community_id == demo_host.community_id)
            .where(Member.id != demo_host.id, Member.status == "active")
            .order_by(Member.id)
            .limit(len(PROGRAMMES) - 1)
        )
    )
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    codes = {s.code: s for s in space_services.spaces()}
    for i, (code, weekday, hour, hours, title) in enumerate(PROGRAMMES):
        space, host = codes.get(code), hosts[i % len(hosts)]
        if space is None or not space_services.may_book(host, space):
            continue
        for week in range(-4, 2):
            day = monday + timedelta(days=7 * week + weekday)
            start = datetime.combine(day, time(hour), tzinfo=zone)
            made_at = min(start - timedelta(days=3), now)
            if start < now + timedelta(hours=2) and start + timedelta(hours=hours) > now:
                continue  # not one under way right now
            try:
                with db.session.begin_nested():
                    booking = space_services.book(
                        host,
                        space_id=space.id,
                        start=start,
                        end=start + timedelta(hours=hours),
                        tier="free",
                        title=title,
                        expected_attendance=min(15, space.capacity),
                        now=made_at,
                    )
                    if start < now and not (i == 2 and week == -1):
                        attendance.check_in(booking, actor=host, now=start)
            except PointsError:
                continue  # a closed day, the host's quota: as in life, that week is skipped


def _last_quarter(accounts: list[Member], now) -> None:
    """The first host's desk hours in the last ended quarter, made through the flows at the
    time: three hours at the legal-advice desk every other week (her classes that quarter are
    programme sessions, see `_programmes`), so the host assessment has something to rate."""
    from points.members import quarterly

    worker = next((m for m in accounts if m.has_role("social_worker")), None)
    host = next((m for m in accounts if m.level == "host"), None)
    if worker is None or host is None or host.community_id is None:
        return
    zone = clock.zone()
    start, end = quarterly.quarter_bounds(quarterly.last_ended_quarter(now), zone)
    if not members.host_periods(host) or members.host_periods(host)[0][0] > start:
        return  # not a host for the whole quarter
    for week in range(1, 13, 2):  # three hours at the legal-advice desk every other week
        begins = datetime.combine((start + timedelta(days=7 * week)).date(), time(7), tzinfo=zone)
        try:
            with db.session.begin_nested():
                claim = activity_claims.submit_claim(
                    host,
                    activity_type="mediation-legal-advice",
                    occurred_on=begins.date(),
                    quantity=3,
                    note="法律咨询台值班",
                    now=begins + timedelta(days=1),
                )
                activity_claims.approve_claim(claim, actor=worker, now=begins + timedelta(days=2))
        except PointsError:
            continue  # a cap or a closed day: that week is skipped, as in life


# The demo hosts' programmes (品牌项目): (host phone, name, tier, fee in fen, places, space,
# weekday, start hour, hours, description).
DEMO_PROGRAMMES = [
    ("13900000003", "瑜伽课", "market", 4000, 15, "yunxi-activity-room", 0, 19, 1,
     "晚间舒展瑜伽，零基础可参加，自带瑜伽垫。"),
    ("13900000003", "苏大夜校", "free", 0, 30, "yunxi-classroom", 3, 19, 2,
     "苏州大学志愿者开讲：智能手机、防诈骗、健康养生，居民免费参加。"),
    ("13900000007", "女性工坊", "low_fee", 1000, 12, "yunxi-reading-room", 2, 14, 2,
     "手工编织与烘焙，低偿收取材料费，做好的作品可以带回家。"),
    ("13900000007", "童享花园", "free", 0, 20, "yunxi-garden", 5, 15, 2,
     "周六下午带孩子认识植物、种菜浇水，亲子公益活动。"),
]
COMMENTS = [
    "老师很耐心，讲得清楚", "环境好，邻居们都很热情", "孩子特别喜欢", "时间安排合适",
    "内容实用，下次还来", "希望多开几期", "收获很大", "", "", "",
]


def _programmes(accounts: list[Member], now) -> None:
    """The demo hosts' programmes on the three tiers, made through the flows at the time:
    the first host's yoga class every other week of the last ended quarter, then three weeks
    of every programme behind us and two ahead — each session in a booking of its own,
    attended (the demo volunteer and resident among the neighbours), closed by the social
    worker and rated, about 95 % with four or five stars; one complaint waits for the social
    worker, and the demo volunteer still has a session to rate."""
    from points.members import quarterly
    from points.programmes import services as programmes

    by_phone = {m.phone: m for m in accounts}
    worker = next((m for m in accounts if m.has_role("social_worker")), None)
    if worker is None or worker.community_id is None:
        return
    rng = random.Random(17)
    zone = clock.zone()
    codes = {sp.code: sp for sp in space_services.spaces()}
    neighbours = list(
        db.session.scalars(
            sa.select(Member)
            .where(
                Member.community_id == worker.community_id,
                Member.status == "active",
                Member.phone.like("137%"),
            )
            .order_by(Member.id)
            .limit(60)
        )
    )
    volunteer, resident = by_phone.get("13900000004"), by_phone.get("13900000005")

    def run(programme, space, start, hours, *, regulars=(), rate=True, complaint=False):
        """One session: booked three days ahead, held, attended, closed and rated."""
        end = start + timedelta(hours=hours)
        made_at = min(start - timedelta(days=3), now)
        host = programme.host
        with db.session.begin_nested():
            booking = space_services.book(
                host,
                space_id=space.id,
                start=start,
                end=end,
                tier=programme.tier,
                title=programme.name,
                expected_attendance=min(programme.capacity, space.capacity),
                now=made_at,
            )
            session = programmes.schedule_session(
                programme, booking_id=booking.id, actor=host, now=made_at
            )
            if start > now:
                return session
            attendance.check_in(booking, actor=host, now=start)
            pool = [m for m in neighbours if m.created_at < start]
            regular_ids = {m.id for m in regulars}
            others = [m for m in pool if m.id not in regular_ids]
            came = list(regulars) + rng.sample(others, min(len(others), rng.randint(4, 7)))
            came = came[: programme.capacity]
            for member in came:
                events.tick_off(
                    session.activity, member.id, actor=host, now=start + timedelta(minutes=10)
                )
            events.close_activity(session.activity, actor=worker, now=end + timedelta(minutes=30))
            for i, member in enumerate(came):
                if member.id in regular_ids and not rate:
                    continue  # the demo volunteer's last session waits for her rating
                complains = complaint and i == len(came) - 1
                if member.id not in regular_ids and not complains and rng.random() < 0.2:
                    continue  # not everyone rates
                draw = rng.random()
                stars = 5 if draw < 0.7 else 4 if draw < 0.96 else 3
                said = rng.choice(COMMENTS)
                if complains:
                    stars, said = 2, "材料不够，等了二十分钟才开始，希望改进。"
                programmes.rate_session(
                    session,
                    member,
                    stars=stars,
                    comment=said,
                    complaint=complains,
                    now=min(end + timedelta(hours=2 + i), now),
                )
        return session

    made = []
    for phone, name, tier, fee, places, code, weekday, hour, hours, about in DEMO_PROGRAMMES:
        host, space = by_phone.get(phone), codes.get(code)
        if host is None or space is None or host.level != "host":
            continue
        programme = programmes.create_programme(
            host,
            name=name,
            tier=tier,
            fee_fen=fee,
            capacity=places,
            space_id=space.id,
            description=about,
            now=min(host.created_at + timedelta(days=1), now - timedelta(days=120)),
        )
        made.append((programme, space, weekday, hour, hours))
    # The first host's yoga class in the last ended quarter: seven sessions held.
    start_q, _ = quarterly.quarter_bounds(quarterly.last_ended_quarter(now), zone)
    for programme, space, weekday, hour, hours in made[:1]:
        for week in range(0, 13, 2):
            day = (start_q + timedelta(days=7 * week)).date()
            day += timedelta(days=(weekday - day.weekday()) % 7)
            try:
                run(programme, space, datetime.combine(day, time(hour), tzinfo=zone), hours)
            except PointsError:
                continue  # a closed day: that week is skipped, as in life
    # Three weeks behind us and two ahead, for every programme.
    monday = now.astimezone(zone).date() - timedelta(days=now.astimezone(zone).weekday())
    for n, (programme, space, weekday, hour, hours) in enumerate(made):
        for week in range(-3, 3):
            start = datetime.combine(
                monday + timedelta(days=7 * week + weekday), time(hour), tzinfo=zone
            )
            if start - timedelta(hours=2) < now < start + timedelta(hours=hours):
                continue  # not one under way right now
            regulars = []
            if volunteer is not None and n in (0, 3):
                regulars.append(volunteer)
            if resident is not None and n == 1 and week == -1:
                regulars.append(resident)
            last_past = start < now and start + timedelta(days=7) > now
            try:
                run(
                    programme,
                    space,
                    start,
                    hours,
                    regulars=regulars,
                    rate=not (n == 3 and last_past),
                    complaint=n == 2 and last_past,
                )
            except PointsError:
                continue
    # The demo volunteer takes the whole term of the yoga class.
    if volunteer is not None and made:
        try:
            with db.session.begin_nested():
                programmes.sign_up_term(made[0][0], volunteer, now=now)
        except PointsError:
            pass


def _population(spec: dict, password_hash, grower, issuance, now) -> dict:
    rng = random.Random(spec["random_seed"])
    communities = db.session.scalars(sa.select(Community).order_by(Community.id)).all()
    shares = [("host", spec["host"]), ("talent", spec["talent"]), ("volunteer", spec["volunteer"])]
    earnings = []
    for n in range(spec["size"]):
        community = rng.choice(communities)
        grid = rng.choice(community.grids) if community.grids else None
        member = members.register_member(
            phone=f"137{n:08d}",
            password=None,
            password_hash=password_hash,
            name=rng.choice(spec["surnames"]) + rng.choice(spec["given"]),
            community_id=community.id,
            grid_id=grid.id if grid else None,
            now=now - timedelta(days=rng.randint(30, 700)),
        )
        draw, level = rng.random(), "resident"
        for candidate, share in shares:
            if draw < share:
                level = candidate
                break
            draw -= share
        grower.grow(member, level, tuple(rng.choice(spec["skills"])), member.created_at)
        if level != "resident":
            points = rng.randint(20, 600)
            earnings.append(
                ledger.TransferSpec(
                    "earn",
                    [(issuance, -points), (ledger.member_wallet(member.id), points)],
                    "历史积分导入",
                )
            )
    return {"members": spec["size"], "earnings": earnings}
