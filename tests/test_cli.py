"""Operator commands call the same services and commit once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from points import create_app, seeding, worker
from points.database import utcnow
from points.extensions import db
from points.ledger import services as ledger
from points.ledger.models import Account
from points.ledger.verify import verify_ledger
from points.members import helpers
from points.members import services as members
from points.members.models import Member
from points.spaces.models import Booking
from tests.conftest import app_config


def _counts():
    return {
        table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
        for table in ("members", "transfers", "level_changes", "skills", "course_completions")
    }


def test_the_demo_seed_loads_once_with_the_readme_accounts(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "demo seed loaded" in first.output
    with app.app_context():
        loaded = _counts()
        by_phone = {
            m.phone: m
            for m in db.session.scalars(sa.select(Member).where(Member.phone.like("1390000000%")))
        }
        assert by_phone["13900000001"].role_names == ["social_worker"]
        assert by_phone["13900000002"].merchant_ids == [1]
        assert by_phone["13900000003"].level == "host"
        assert by_phone["13900000004"].level == "volunteer"
        assert by_phone["13900000005"].level == "resident"
        assert ledger.balance_of(ledger.member_wallet(by_phone["13900000003"].id)).balance == 860
        # 王阿姨's daughter is her helper (代办), for her points, claims and benefits.
        wang, daughter = by_phone["13900000004"], members.find_by_phone("13900000011")
        assert [g.resident_id for g in helpers.helped_by(daughter)] == [wang.id]
        assert helpers.may_act_for(daughter, wang, "redeem")
        assert not helpers.may_act_for(daughter, wang, "book")
        query = sa.select(Member.level, sa.func.count()).group_by(Member.level)
        levels = {level: n for level, n in db.session.execute(query)}
        assert sum(levels.values()) >= 300 and all(levels[lv] > 0 for lv in levels)
        assert len(levels) == 4
        # The host's regular programmes: weeks behind them (checked in) and two weeks ahead.
        host_bookings = db.session.scalars(
            sa.select(Booking).where(Booking.host_id == by_phone["13900000003"].id)
        ).all()
        assert {b.title for b in host_bookings} >= {"社区合唱团排练"}
        assert any(b.checked_in_at for b in host_bookings)
        assert any(b.start_at > utcnow() for b in host_bookings)
        assert verify_ledger().ok
    again = runner.invoke(args=["seed", "demo"])
    assert "not loaded again" in again.output
    with app.app_context():
        assert _counts() == loaded


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("places.toml", "street = [", "places.toml: not valid TOML"),
        ("places.toml", 'street = "S"\n[[communities]]\ngrids = []', "communities[0]"),
        (
            "courses.toml",
            '[[courses]]\ncode = "X Y"\ntier = "basic"\nname_zh = "a"\nname_en = "b"',
            "courses.toml courses[0]: code: must be 2-40",
        ),
        (
            "courses.toml",
            '[[courses]]\ncode = "ok"\ntier = "expert"\nname_zh = "a"\nname_en = "b"',
            "tier: must be one of basic",
        ),
    ],
)
def test_a_bad_seed_file_is_named_and_nothing_is_written(ctx, tmp_path, file, text, message):
    for name in ("places.toml", "courses.toml", "demo.toml"):
        (tmp_path / name).write_text((seeding.SEED_DIR / name).read_text("utf-8"), "utf-8")
    (tmp_path / file).write_text(text, "utf-8")
    before = _counts()
    with pytest.raises(seeding.SeedError) as error:
        seeding.load_demo(tmp_path)
    db.session.rollback()
    assert message in error.value.message
    assert _counts() == before


def _overdue_hold(app) -> tuple[int, int]:
    """A wallet of 10 with all 10 held by a hold that expired a minute ago."""
    with app.app_context():
        wallet = ledger.member_wallet(1)
        ledger.transfer(
            kind="earn", source=ledger.system_account("issuance"), destination=wallet, amount=10
        )
        now = utcnow()
        h = ledger.hold(
            source=wallet,
            destination=ledger.system_account("redeemed:1"),
            amount=10,
            kind="redeem",
            expires_at=now - timedelta(minutes=1),
            now=now - timedelta(days=1),
        )
        db.session.commit()
        return wallet.id, h.id


def _assert_released(app, wallet_id: int, hold_id: int) -> None:
    with app.app_context():
        assert ledger.get_hold(hold_id).status == "expired"
        assert db.session.get(Account, wallet_id).held == 0


def test_the_sweep_command_voids_overdue_holds(app):
    wallet_id, hold_id = _overdue_hold(app)
    result = app.test_cli_runner().invoke(args=["ledger", "sweep"])
    assert result.exit_code == 0, result.output
    assert "holds_expired: 1" in result.output
    _assert_released(app, wallet_id, hold_id)


def test_requests_no_longer_sweep_but_the_worker_does_and_anchors_the_chain(db_url, tmp_path):
    anchor = tmp_path / "ledger-anchor.json"
    app = create_app(app_config(db_url, HOUSEKEEPING_INTERVAL_S=60, LEDGER_ANCHOR_PATH=str(anchor)))
    wallet_id, hold_id = _overdue_hold(app)
    assert app.test_client().get("/").status_code == 200
    with app.app_context():  # no member's request pays for the sweep
        assert ledger.get_hold(hold_id).status == "pending"
    assert not anchor.exists()
    done = worker.sweep_job(app)
    assert done is not None and done["holds_expired"] == 1
    _assert_released(app, wallet_id, hold_id)
    assert json.loads(anchor.read_text())["seq"] == 1  # the hold's funding transfer
    with app.app_context():
        db.engine.dispose()


def test_operators_create_staff_from_the_command_line(app, places):
    from points.marketplace import services as market

    noodles = market.ensure_provider(
        code="binjiang-noodles", kind="merchant", name_zh="滨江面馆", name_en="Noodles"
    )
    shop_id = noodles.id
    db.session.commit()
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "members",
            "create-staff",
            "--phone",
            "13911112222",
            "--name",
            "赵社工",
            "--role",
            "social_worker",
            "--community",
            "滨江社区",
            "--password",
            "secret-99",
        ]
    )
    assert made.exit_code == 0, made.output
    assert "赵社工 (13911112222) is now social_worker" in made.output
    shop = runner.invoke(
        args=[
            "members",
            "create-staff",
            "--phone",
            "13911112222",
            "--name",
            "赵社工",
            "--role",
            "merchant_staff",
            "--merchant",
            str(shop_id),
        ]
    )
    assert shop.exit_code == 0, shop.output
    db.session.rollback()  # the commands ran in this test's app context; read afresh
    member = db.session.scalar(sa.select(Member).filter_by(phone="13911112222"))
    assert member.role_names == ["merchant_staff", "social_worker"]
    assert member.community.name == "滨江社区" and member.merchant_ids == [shop_id]
    for args, message in [
        (["--phone", "139", "--role", "admin"], "--phone: must be an 11-digit"),
        (["--phone", "13911113333", "--role", "admin"], "--password: is needed"),
        (
            ["--phone", "13911113333", "--role", "social_worker", "--password", "secret-99"],
            "a social worker needs a community",
        ),
        (
            ["--phone", "13911113333", "--role", "merchant_staff", "--password", "secret-99"],
            "merchant",
        ),
        (
            [
                "--phone",
                "13911113333",
                "--role",
                "merchant_staff",
                "--merchant",
                "999",
                "--password",
                "secret-99",
            ],
            "is not a merchant here",
        ),
    ]:
        result = runner.invoke(args=["members", "create-staff", "--name", "某", *args])
        assert result.exit_code == 1 and message in result.output, result.output
    db.session.rollback()
    assert db.session.scalar(sa.select(Member).filter_by(phone="13911113333")) is None


def test_setup_migrates_then_loads_the_demo_seed_once(app, demo, monkeypatch):
    # `make run`'s one boot step: Alembic to the head revision first, then the seed, which
    # finds the demo already there and changes nothing.
    import flask_migrate
    from alembic.script import ScriptDirectory

    ran = []
    upgrade = flask_migrate.upgrade
    monkeypatch.setattr(flask_migrate, "upgrade", lambda: (ran.append("upgrade"), upgrade()))
    with app.app_context():
        before = _counts()
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert ran == ["upgrade"]
    assert "not loaded again" in result.output
    with app.app_context():
        assert _counts() == before
        head = ScriptDirectory(app.extensions["migrate"].directory).get_current_head()
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
