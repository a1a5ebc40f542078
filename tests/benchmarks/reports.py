"""Reports at a small and a large history: every report area, read for the street (an
admin) and for one community (its social worker), should answer in under 300 ms and cost
about the same however many years of postings the street has. Figures and ratios, never
pass/fail (`make bench`).

History is written in bulk: `postings` ledger postings (earn transfers of two postings
each), a tenth as many approved claims, a twentieth as many vouchers (with their holds) and
as many bookings, a two-hundredth as many programme sessions (sign-ups, ratings) and a
hundredth as many fund income entries (money transfers into the funds), over a fixed 2 000
members in the seeded communities; the last 90 days hold the same rows at every size (see
RECENT), the rest lies in the three years before.
Then each area's service runs `n` times for last month, and each report page, the printable
monthly summary and the public summary are fetched `n` times through the app (signed in as
the admin and as the social worker, HTML rendered, charts drawn): the median is printed (the
target: under 300 ms), and the ratio large ÷ small of the best of the `n` (the target:
within 1.5).
The ratio asks what more history costs; on this shared 2-core machine a pause of a few
seconds now and then doubled some medians at one size only (the ticket areas, whose rows are
the same at every size, read 1.8× in one run and 0.6× in the next), while the best time is
what the query itself costs. SQLite by default;
BENCH_DATABASE_URL (a PostgreSQL database the run MAY WIPE) runs it there too.
`--sizes 10000,1000000` (default 10 k and 1 M; `--quick`: 10 k and 100 k).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from points import clock, seeding
from points.activities.models import Activity, ActivityType, Claim, Signup
from points.extensions import db
from points.fund.models import IncomeEntry
from points.ledger import services as ledger
from points.ledger.models import Account, Hold, Posting, Transfer
from points.marketplace.models import Benefit, Redemption
from points.members import services as members
from points.members.models import Community, Member
from points.programmes.models import Programme, ProgrammeSession, Rating
from points.reports import services as reports
from points.reports.areas import AREAS
from points.spaces.models import Booking, Space
from tests.benchmarks.ledger import normalise_database_url, reset_postgresql, settle
from tests.benchmarks.outbox import build, progress

MEMBERS = 2_000
CHUNK = 5_000
# The last RECENT days hold the same rows at every size (a street's month is a month however
# old the street): this many transfers, claims and vouchers; the rest of the history is
# spread over the years before. Bookings run back hour by hour from now, at least 1 500 of
# them, so the month reported is fully booked at every size.
RECENT = timedelta(days=90)
RECENT_ROWS = {"transfers": 2_500, "claims": 500, "vouchers": 250, "sessions": 60,
               "income": 100}
MIN_BOOKINGS = 1_500
# The two readers sign in to the pages with a password; the 2 000 members never do.
ADMIN_PHONE, WORKER_PHONE, PASSWORD = "13900000006", "13900000001", "bench-reader-2026"
HASH = "scrypt:32768:8:1$bench$" + "0" * 128
YEARS = timedelta(days=3 * 365)


def world():
    ledger.system_account("issuance")
    seeding.load_places()
    seeding.load_activity_types()
    seeding.load_benefits()
    seeding.load_spaces()
    communities = db.session.scalars(sa.select(Community).order_by(Community.id)).all()
    admin = members.register_member(phone=ADMIN_PHONE, password=PASSWORD,
                                    name="管理员", community_id=communities[0].id)
    members.grant_role(admin, "admin")
    worker = members.register_member(phone=WORKER_PHONE, password=PASSWORD,
                                     name="李社工", community_id=communities[0].id)
    members.grant_role(worker, "social_worker")
    db.session.commit()
    start = datetime.now(UTC) - YEARS
    rows = [{"phone": f"137{i:08d}", "name": f"居民{i}", "password_hash": HASH,
             "community_id": communities[i % len(communities)].id,
             "level": ("resident", "volunteer", "volunteer", "talent")[i % 4],
             "status": "active", "status_reason": "", "created_at": start}
            for i in range(MEMBERS)]
    db.session.execute(sa.insert(Member), rows)
    ids = db.session.scalars(sa.select(Member.id).where(Member.phone.like("137%"))
                             .order_by(Member.id)).all()
    db.session.execute(sa.insert(Account), [
        {"name": f"member:{i}", "asset": "points", "kind": "wallet", "member_id": i,
         "may_go_negative": False, "balance": 0, "held": 0, "created_at": start} for i in ids])
    db.session.commit()
    return admin, worker, ids


def spread(total: int, recent: int, now: datetime):
    """The moment of row i of `total`: the first `total - recent` over the years before the
    recent days, the last `recent` over those days."""
    recent = min(recent, total // 2)
    old = total - recent
    begin, cut = now - YEARS - RECENT, now - RECENT

    def moment(i: int) -> datetime:
        if i < old:
            return begin + (cut - begin) * (i / old)
        return cut + RECENT * ((i - old) / recent)

    return moment


def history(postings: int, member_ids: list[int]) -> None:
    now = datetime.now(UTC) - timedelta(hours=1)
    issuance = ledger.system_account("issuance").id
    redeemed = ledger.system_account("redeemed:bench").id
    wallets = dict(db.session.execute(
        sa.select(Account.member_id, Account.id).where(Account.member_id.in_(member_ids),
                                                       Account.asset == "points")).all())
    people = db.session.execute(sa.select(Member.id, Member.community_id)
                                .where(Member.id.in_(member_ids))).all()
    transfers = postings // 2
    when = spread(transfers, RECENT_ROWS["transfers"], now)
    progress(f"    {transfers:,} transfers, {postings:,} postings …")
    for first in range(0, transfers, CHUNK):
        t_rows, p_rows = [], []
        for i in range(first, min(first + CHUNK, transfers)):
            member_id, _ = people[i % len(people)]
            t_rows.append({"id": i + 1, "seq": i + 1, "kind": "earn", "memo": "",
                           "created_at": when(i), "prev_hash": f"{i:064x}",
                           "hash": f"{i + 1:064x}"})
            p_rows += [
                {"transfer_id": i + 1, "account_id": issuance, "asset": "points",
                 "amount": -10, "balance_after": -10 * (i + 1)},
                {"transfer_id": i + 1, "account_id": wallets[member_id], "asset": "points",
                 "amount": 10, "balance_after": 10},
            ]
        db.session.execute(sa.insert(Transfer), t_rows)
        db.session.execute(sa.insert(Posting), p_rows)
    types = db.session.scalars(sa.select(ActivityType.id).where(ActivityType.is_current)).all()
    claims = postings // 10
    progress(f"    {claims:,} claims …")
    when = spread(claims, RECENT_ROWS["claims"], now)
    for first in range(0, claims, CHUNK):
        rows = []
        for i in range(first, min(first + CHUNK, claims)):
            member_id, community_id = people[i % len(people)]
            moment = when(i)
            rows.append({"member_id": member_id, "community_id": community_id,
                         "activity_type_id": types[i % len(types)],
                         "occurred_on": moment.date(), "quantity_tenths": 10, "note": "",
                         "status": "approved", "points": 10, "created_at": moment,
                         "decided_at": moment, "reason": "", "reversal_reason": "",
                         "transfer_id": i + 1})
        db.session.execute(sa.insert(Claim), rows)
    benefit = db.session.scalars(sa.select(Benefit).order_by(Benefit.id)).first()
    vouchers = postings // 20
    progress(f"    {vouchers:,} vouchers …")
    when = spread(vouchers, RECENT_ROWS["vouchers"], now)
    for first in range(0, vouchers, CHUNK):
        holds, rows = [], []
        for i in range(first, min(first + CHUNK, vouchers)):
            member_id, _ = people[i % len(people)]
            moment = when(i)
            status = ("confirmed", "confirmed", "cancelled", "expired")[i % 4]
            holds.append({"id": i + 1, "account_id": wallets[member_id],
                          "destination_id": redeemed, "asset": "points", "amount": 10,
                          "kind": "redeem", "memo": "", "end_reason": "",
                          "status": {"confirmed": "posted", "cancelled": "voided"}.get(
                              status, "expired"),
                          "created_at": moment, "expires_at": moment + timedelta(days=7),
                          "ended_at": moment + timedelta(hours=1)})
            rows.append({"benefit_id": benefit.id, "provider_id": benefit.provider_id,
                         "member_id": member_id, "quantity": 1, "points": 10,
                         "code": f"B{i:010d}", "hold_id": i + 1, "status": status,
                         "created_at": moment, "expires_at": moment + timedelta(days=7),
                         "confirmed_at": moment + timedelta(hours=1)
                         if status == "confirmed" else None,
                         "ended_at": moment + timedelta(hours=1)})
        db.session.execute(sa.insert(Hold), holds)
        db.session.execute(sa.insert(Redemption), rows)
    space = db.session.scalars(sa.select(Space).order_by(Space.id)).first()
    bookings = max(postings // 20, MIN_BOOKINGS)
    progress(f"    {bookings:,} bookings …")
    end = now.replace(minute=0, second=0, microsecond=0)
    rows = []
    for i in range(bookings):
        begin = end - timedelta(hours=1)
        rows.append({"space_id": space.id, "host_id": member_ids[0], "start_at": begin,
                     "end_at": end, "tier": "free", "title": f"历史预约 {i}",
                     "status": "confirmed", "expected_attendance": 0, "cost_points": 0,
                     "cost_minutes": 0, "refunded_points": 0, "refunded_minutes": 0,
                     "revision": 0, "end_reason": "", "created_at": begin})
        end = begin
        if len(rows) == CHUNK:
            db.session.execute(sa.insert(Booking), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Booking), rows)
    db.session.commit()
    programme_sessions(postings, member_ids, now)
    fund_income(postings, member_ids, now, first_id=transfers + 1)
    db.session.commit()
    # As a database in use has its statistics; on PostgreSQL also its visibility map, so the
    # reports are timed after autovacuum's pass over the new rows, not while it runs.
    if settle(str(db.engine.url)) is None:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def programme_sessions(postings: int, member_ids: list[int], now: datetime) -> None:
    """A two-hundredth as many programme sessions (at least 200), each a closed activity in
    a booking of a second space, five sign-ups (four checked in) and two ratings."""
    kind = db.session.scalar(sa.select(ActivityType.id).filter_by(code="programme-attend",
                                                                  is_current=True))
    space = db.session.scalars(sa.select(Space).order_by(Space.id).offset(1)).first()
    people = db.session.execute(sa.select(Member.id, Member.community_id)
                                .where(Member.id.in_(member_ids)).order_by(Member.id)).all()
    programmes = []
    for i, (host_id, community_id) in enumerate(people[:30]):
        tier = ("free", "low_fee", "market")[i % 3]
        programmes.append({"id": i + 1, "community_id": community_id, "host_id": host_id,
                           "name": f"项目{i}", "description": "", "tier": tier,
                           "fee_fen": 0 if tier == "free" else 1000, "capacity": 20,
                           "status": "active", "created_at": now - YEARS - RECENT,
                           "updated_at": now - YEARS - RECENT})
    db.session.execute(sa.insert(Programme), programmes)
    sessions = max(postings // 200, 200)
    progress(f"    {sessions:,} programme sessions …")
    when = spread(sessions, RECENT_ROWS["sessions"], now)
    first_booking = (db.session.scalar(sa.select(sa.func.max(Booking.id))) or 0) + 1
    for first in range(0, sessions, CHUNK):
        bookings, activities, links, signups, ratings = [], [], [], [], []
        for i in range(first, min(first + CHUNK, sessions)):
            programme = programmes[i % len(programmes)]
            begin = when(i).replace(minute=0, second=0, microsecond=0)
            end = begin + timedelta(hours=1)
            bookings.append({"id": first_booking + i, "space_id": space.id,
                             "host_id": programme["host_id"], "start_at": begin, "end_at": end,
                             "tier": programme["tier"], "title": programme["name"],
                             "status": "confirmed", "expected_attendance": 5, "cost_points": 0,
                             "cost_minutes": 0, "refunded_points": 0, "refunded_minutes": 0,
                             "revision": 0, "end_reason": "", "created_at": begin})
            activities.append({"id": i + 1, "activity_type_id": kind,
                               "community_id": programme["community_id"],
                               "organiser_id": programme["host_id"], "title": programme["name"],
                               "place": "活动室", "starts_at": begin, "ends_at": end,
                               "capacity": 20, "status": "closed", "created_at": begin})
            links.append({"id": i + 1, "programme_id": programme["id"], "activity_id": i + 1,
                          "booking_id": first_booking + i, "created_at": begin})
            for k in range(5):
                member_id = member_ids[(i * 5 + k) % len(member_ids)]
                signups.append({"activity_id": i + 1, "member_id": member_id,
                                "status": "signed_up", "created_at": begin,
                                "checked_in_at": begin if k < 4 else None})
                if k < 2:
                    ratings.append({"session_id": i + 1, "member_id": member_id,
                                    "stars": 1 + (i + k) % 5, "comment": "",
                                    "complaint_status": "open" if i % 10 == 0 and k == 0
                                    else None, "created_at": end, "decision_reason": ""})
        db.session.execute(sa.insert(Booking), bookings)
        db.session.execute(sa.insert(Activity), activities)
        db.session.execute(sa.insert(ProgrammeSession), links)
        db.session.execute(sa.insert(Signup), signups)
        db.session.execute(sa.insert(Rating), ratings)


def fund_income(postings: int, member_ids: list[int], now: datetime, first_id: int) -> None:
    """A hundredth as many sponsorships (at least 100) into the communities' funds, each an
    income entry with its money transfer (income:sponsorship → fund:<community>)."""
    communities = db.session.scalars(sa.select(Community.id).order_by(Community.id)).all()
    source = ledger.system_account("income:sponsorship", "cny").id
    funds = [ledger.system_account(f"fund:{cid}", "cny").id for cid in communities]
    entries = max(postings // 100, 100)
    progress(f"    {entries:,} fund income entries …")
    when = spread(entries, RECENT_ROWS["income"], now)
    for first in range(0, entries, CHUNK):
        t_rows, p_rows, rows = [], [], []
        for i in range(first, min(first + CHUNK, entries)):
            tid, moment, c = first_id + i, when(i), i % len(communities)
            t_rows.append({"id": tid, "seq": tid, "kind": "income", "memo": "",
                           "created_at": moment, "prev_hash": f"{tid - 1:064x}",
                           "hash": f"{tid:064x}"})
            p_rows += [
                {"transfer_id": tid, "account_id": source, "asset": "cny", "amount": -10_000,
                 "balance_after": 0},
                {"transfer_id": tid, "account_id": funds[c], "asset": "cny", "amount": 10_000,
                 "balance_after": 0},
            ]
            rows.append({"community_id": communities[c], "source": "sponsorship", "tier": None,
                         "amount_fen": 10_000, "share_fen": 10_000, "rate_id": None,
                         "collector_id": member_ids[0], "payer_kind": "unit",
                         "payer_name": "共建单位", "payer_phone": "", "method": "transfer",
                         "reference": "", "paid_on": clock.local(moment).date(),
                         "idempotency_key": f"bench-{i}", "booking_id": None, "subject": "",
                         "memo": "", "transfer_id": tid, "recorded_by": member_ids[0],
                         "recorded_at": moment})
        db.session.execute(sa.insert(Transfer), t_rows)
        db.session.execute(sa.insert(Posting), p_rows)
        db.session.execute(sa.insert(IncomeEntry), rows)
    for account_id in (source, *funds):  # the accounts' cached balances, as the ledger keeps
        total = sa.select(sa.func.coalesce(sa.func.sum(Posting.amount), 0)).where(
            Posting.account_id == account_id).scalar_subquery()
        db.session.execute(sa.update(Account).where(Account.id == account_id)
                           .values(balance=total))


def measure(url: str, size: int, n: int) -> dict:
    app = build(url)
    with app.app_context():
        admin, worker, ids = world()
        history(size, ids)
        last_month = (clock.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        out = {}
        for who, actor in (("street", admin), ("community", worker)):
            for code in AREAS:
                timings = []
                for _ in range(n):
                    began = time.perf_counter()
                    reports.area_report(reports.context(actor, month=last_month), code)
                    db.session.rollback()
                    timings.append((time.perf_counter() - began) * 1000)
                out[f"{who}:{code}"] = (round(statistics.median(timings), 2),
                                         round(min(timings), 2))
        community_id = worker.community_id
        db.session.remove()
    # The pages as a reader gets them (signed in through the form, the HTML rendered, charts
    # drawn), the monthly summary and the public one: what the service times above cost
    # once a page is made of them.
    for who, phone in (("street", ADMIN_PHONE), ("community", WORKER_PHONE)):
        client = app.test_client()
        signed = client.post("/login", data={"phone": phone, "password": PASSWORD,
                                             "csrf_token": _csrf(client)})
        assert signed.status_code == 302, signed.status_code
        pages = {f"page {who}:{code}": f"/reports/{code}?month={last_month}" for code in AREAS}
        pages[f"page {who}:monthly"] = f"/reports/monthly?month={last_month}"
        if who == "community":
            pages["page public summary"] = (f"/public/communities/{community_id}/summary"
                                            f"?month={last_month}")
        for key, path in pages.items():
            timings = []
            for _ in range(n):
                began = time.perf_counter()
                answer = client.get(path)
                timings.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
            out[key] = (round(statistics.median(timings), 2), round(min(timings), 2))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return out


def _csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def run(url_for_size, sizes, n: int) -> dict:
    out = {}
    for size in sizes:
        progress(f"  {size:,} postings …")
        timed = measure(url_for_size(size), size, n)
        out[size] = {key: median for key, (median, _best) in timed.items()}
        out[f"best {size}"] = {key: best for key, (_median, best) in timed.items()}
    small, large = out[f"best {sizes[0]}"], out[f"best {sizes[-1]}"]
    out["ratio"] = {k: round(large[k] / small[k], 2) for k in small}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", help="comma-separated posting counts (default 10k,1M)")
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args()
    sizes = (10_000, 100_000) if args.quick else (10_000, 1_000_000)
    if args.sizes:
        sizes = tuple(int(s) for s in args.sizes.split(","))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        progress("reports on SQLite …")
        results["sqlite"] = run(lambda s: f"sqlite:///{Path(tmp) / f'reports-{s}.sqlite3'}",
                                sizes, args.n)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        url = normalise_database_url(pg)

        def fresh(_size):
            reset_postgresql(url)
            return url

        progress("reports on PostgreSQL …")
        results["postgresql"] = run(fresh, sizes, args.n)
        reset_postgresql(url)
    print(f"{'':<40}" + "".join(f"{'median ms':>12}" for _ in sizes)
          + "".join(f"{'best ms':>12}" for _ in sizes) + f"{'ratio of':>10}")
    print(f"{'database':<12}{'report':<28}" + "".join(f"{s:>12,}" for s in sizes) * 2
          + f"{'best':>10}")
    for database, figures in results.items():
        for key in figures[sizes[0]]:
            print(f"{database:<12}{key:<28}" + "".join(f"{figures[s][key]:>12}" for s in sizes)
                  + "".join(f"{figures[f'best {s}'][key]:>12}" for s in sizes)
                  + f"{figures['ratio'][key]:>10}")
    print(json.dumps({"reports": {d: {str(k): v for k, v in f.items()}
                                  for d, f in results.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())


