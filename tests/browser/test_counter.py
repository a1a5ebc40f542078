"""The counter on a 360 × 740 phone, in Chinese, in English and in 长辈版: 张店长 types 王阿姨's
code, looks at the preview, confirms (核销), and undoes it (撤销) within the five minutes; once
they have passed — by the clock the app uses: the confirmation's time moved back in the
served database, as if six minutes went by — the undo is refused and the voucher stays used."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.browser.steps import MODES, fits_phone, flashed, reset_mode, set_mode, shown, sign_in
from tests.browser.test_scan import unused_voucher_at_the_barbers

VOLUNTEER = "13900000004"  # 王阿姨
MERCHANT = "13900000002"  # 张店长, 云溪老街理发店


def six_minutes_pass(server, code: str) -> None:
    """The confirmation of `code` happened six minutes earlier than it did."""
    engine = sa.create_engine(server.database_url)
    try:
        with engine.begin() as conn:
            row = conn.execute(
                sa.text("SELECT id, confirmed_at FROM redemptions WHERE code IN (:a, :b)"),
                {"a": code, "b": code.replace("-", "")},
            ).one()
            at = row.confirmed_at
            if isinstance(at, str):  # SQLite keeps the text of a naive UTC time
                at = (datetime.fromisoformat(at) - timedelta(minutes=6)).isoformat(sep=" ")
            else:
                at = at - timedelta(minutes=6)
            conn.execute(
                sa.text("UPDATE redemptions SET confirmed_at = :at WHERE id = :id"),
                {"at": at, "id": row.id},
            )
    finally:
        engine.dispose()


def confirm_at_the_counter(merchant, code: str) -> None:
    merchant.goto("/merchant")
    merchant.fill("input[name=code]", code)
    merchant.locator("form.counter button[type=submit]").click()
    fits_phone(merchant)  # the preview
    shown(merchant, "button.confirm-now")
    merchant.locator("button.confirm-now").click()
    shown(merchant, ".counter-done")
    fits_phone(merchant)  # confirmed, with 撤销 beside it


@pytest.mark.parametrize("mode", MODES)
def test_the_counter_confirms_and_undoes_within_five_minutes_only(person, snap, server, mode):
    volunteer = person()
    sign_in(volunteer, VOLUNTEER)
    code, url = unused_voucher_at_the_barbers(volunteer, person)
    merchant = person()
    sign_in(merchant, MERCHANT)
    set_mode(merchant, mode)
    try:
        confirm_at_the_counter(merchant, code)
        snap(merchant, "confirmed")
        merchant.locator("button.undo").click()
        flashed(merchant)
        fits_phone(merchant)
        snap(merchant, "undone")
        volunteer.goto(url)
        assert volunteer.locator(".voucher-code.big").is_visible(), "usable again"

        confirm_at_the_counter(merchant, code)
        six_minutes_pass(server, code)
        merchant.locator("button.undo").click()
        flashed(merchant, "error")
        fits_phone(merchant)
        snap(merchant, "undo-refused")
        volunteer.goto(url)
        assert volunteer.locator(".voucher-code.big").count() == 0, "the voucher stays used"
    finally:
        reset_mode(merchant, mode)
