"""The reports pages, exports, API and public summary show the figures of test_figures.py's
history, to the right readers only."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from points.reports.figures import public_count
from tests.conftest import api_token, sign_in


def test_a_social_worker_reads_the_economy_page(history, client):
    sign_in(client, "13900000001")
    page = client.get("/reports/economy?month=2026-11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-11" in html and "<svg" in html
    assert ">30<" in html and "+22" in html  # issued, and its change from October's 8
    assert "云溪老街理发店" in html


def test_every_area_page_answers(history, client):
    sign_in(client, "13900000006")
    for area in ("economy", "people", "spaces", "programmes", "tickets", "merchants", "fund"):
        assert client.get(f"/reports/{area}?month=2026-11").status_code == 200, area
    assert client.get("/reports").status_code == 200
    assert client.get("/reports/nothing").status_code == 404


def test_another_community_is_not_found_for_a_social_worker(history, client):
    sign_in(client, "13900000001")
    assert client.get(f"/reports/economy?month=2026-11&community={history.b.id}").status_code \
        == 404
    assert client.get(f"/reports/economy?month=2026-11&community={history.a.id}").status_code \
        == 200


def test_members_may_not_read_reports(history, client):
    sign_in(client, "13900000004")
    assert client.get("/reports/economy").status_code == 403
    assert client.get("/reports.xlsx").status_code == 403


def test_an_admin_picks_a_community(history, client):
    sign_in(client, "13900000006")
    street = client.get("/reports/economy?month=2026-11").get_data(as_text=True)
    assert ">46<" in street  # 30 in A, 16 in B
    only_b = client.get(f"/reports/economy?month=2026-11&community={history.b.id}")
    assert ">16<" in only_b.get_data(as_text=True)


def test_a_wrong_month_is_a_422_naming_the_field(history, client):
    sign_in(client, "13900000001")
    page = client.get("/reports/economy?month=2026-13")
    assert page.status_code == 422
    assert 'id="period-month-error"' in page.get_data(as_text=True)
    assert client.get("/reports/monthly?month=13-2026").status_code == 422


def test_the_workbook_has_a_sheet_per_area_with_the_pages_numbers(history, client):
    sign_in(client, "13900000001")
    answer = client.get("/reports.xlsx?month=2026-11")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["积分收支", "人员", "共享空间", "品牌项目", "票务", "爱心商户",
                               "社区基金"]
    economy = book[book.sheetnames[0]]
    rows = {r[0]: r[1:4] for r in economy.iter_rows(values_only=True) if r and r[0]}
    assert rows["发放积分"] == (30, 8, 22)
    assert rows["兑换积分"] == (10, 0, 10)


def test_a_table_downloads_as_csv(history, client):
    sign_in(client, "13900000001")
    answer = client.get("/reports/merchants/by_provider.csv?month=2026-11")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[1] == ["云溪老街理发店", "2", "1", "0", "10"]
    assert client.get("/reports/merchants/nothing.csv").status_code == 404


def test_the_api_answers_the_same_numbers(history, client):
    headers = api_token(client, "13900000001")
    answer = client.get("/api/v1/reports/economy?month=2026-11", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    issued = next(f for f in body["figures"] if f["key"] == "issued")
    assert (issued["value"], issued["previous"], issued["change"]) == (30, 8, 22)
    assert body["previous"]["label"] == "2026-10"
    wrong = client.get("/api/v1/reports/economy?month=2026-13", headers=headers)
    assert wrong.status_code == 422 and "month" in wrong.get_json()["errors"]
    other = client.get(f"/api/v1/reports/economy?community={history.b.id}", headers=headers)
    assert other.status_code == 404
    assert client.get("/api/v1/reports/nothing", headers=headers).status_code == 404
    member = api_token(client, "13900000004")
    assert client.get("/api/v1/reports/economy", headers=member).status_code == 403


def test_the_monthly_summary_prints_the_headlines(history, client):
    sign_in(client, "13900000001")
    page = client.get("/reports/monthly?month=2026-11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "月度治理报告" in html and "↑" in html and "2026-10" in html


def test_the_public_summary_masks_small_counts(history, client):
    page = client.get(f"/public/communities/{history.a.id}/summary?month=2026-11")
    assert page.status_code == 200
    shown = dict(re.findall(r"<tr><th>(.*?)</th><td[^>]*>(.*?)</td>",
                            page.get_data(as_text=True)))
    assert shown["成员"] == "5"  # five members: shown
    assert shown["认证志愿者"] == "&lt; 5"  # two certified volunteers: not shown
    assert shown["本期服务的志愿者"] == "&lt; 5"
    assert shown["发放积分"] == "30"  # points issued are a sum, not a head count
    assert client.get("/public/communities/999/summary").status_code == 404
    assert client.get(f"/public/communities/{history.a.id}/summary?month=x").status_code == 422


def test_one_function_decides_what_a_public_count_shows():
    assert [public_count(n) for n in (0, 1, 4, 5, 163)] == ["< 5", "< 5", "< 5", "5", "163"]
