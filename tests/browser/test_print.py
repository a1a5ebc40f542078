"""The monthly summary (月度治理报告) as Chromium prints it: one A4 page that a street office can
hand upwards, for a community and for the whole street, in Chinese, in English and from the
larger 长辈版 pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.steps import reset_mode, set_mode, sign_in

WORKER = "13900000001"  # 李社工: 云溪社区
ADMIN = "13900000006"  # 周站长: the whole street


def printed_pages(pdf: bytes) -> int:
    """How many pages a PDF holds (its page objects, not the /Pages tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize(("phone", "mode"), [(WORKER, "zh"), (ADMIN, "zh"), (ADMIN, "en"),
                                             (WORKER, "elder")])
def test_the_monthly_summary_prints_on_one_a4_page(person, phone, mode):
    page = person()
    sign_in(page, phone)
    set_mode(page, mode)
    try:
        answer = page.goto("/reports/monthly")
        assert answer.status == 200
        headline = page.locator("main h1").inner_text()
        assert ("月度治理报告" in headline) == (mode != "en"), headline
        assert page.locator("table.monthly-figures tbody tr").count() >= 10
        assert printed_pages(page.pdf(format="A4")) == 1
    finally:
        reset_mode(page, mode)
