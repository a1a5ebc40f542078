"""Filters that say so: an unknown filter value, or a parameter a list does not take, is a
422 naming the parameter — never a silently empty (or silently unfiltered) list; a bulk
request names the element that failed (`claims[3]`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from points.database import utcnow
from points.extensions import db
from points.members import training
from points.members.models import CourseSession
from tests.conftest import api_token

# Every list of the API that takes no filter at all: a filter sent to it is refused.
LISTS_WITHOUT_FILTERS = [
    "/api/v1/me/claims",
    "/api/v1/activity-types",
    "/api/v1/activity-types/patrol-routine/versions",
    "/api/v1/activities",
    "/api/v1/activities/1/roster",
    "/api/v1/spaces",
    "/api/v1/bookings/queue",
    "/api/v1/me/bookings",
    "/api/v1/me/waits",
    "/api/v1/me/redemptions",
    "/api/v1/merchant/redemptions",
    "/api/v1/assessments/2026Q3",
    "/api/v1/training/sessions",
    "/api/v1/me/training/signups",
    "/api/v1/training/sessions/1/roster",
    "/api/v1/me/skills",
    "/api/v1/notices",
    "/api/v1/auth/communities",
]

# Lists that take filters, each with a parameter they do not take.
LISTS_WITH_FILTERS = [
    ("/api/v1/claims", "staus"),
    ("/api/v1/benefits", "categroy"),
    ("/api/v1/skills", "level"),
    ("/api/v1/host-applications", "community"),
    ("/api/v1/spaces/utilisation", "week"),
    ("/api/v1/me/statement", "page"),
    ("/api/v1/spaces/1/availability?date=2026-12-01", "day"),
    ("/api/v1/merchant/statement", "year"),
]

# Filters with a value that is not one of theirs.
UNKNOWN_VALUES = [
    ("/api/v1/claims", "status", "xyz"),
    ("/api/v1/claims", "category", "xyz"),
    ("/api/v1/skills", "status", "pending"),
    ("/api/v1/host-applications", "status", "open"),
    ("/api/v1/benefits", "category", "xyz"),
    ("/api/v1/benefits", "provider_id", "999"),
    ("/api/v1/benefits", "provider_id", "abc"),
    ("/api/v1/benefits", "affordable", "perhaps"),
    ("/api/v1/benefits", "host_only", "perhaps"),
    ("/api/v1/me/statement", "asset", "coins"),
    ("/api/v1/me/statement", "limit", "ten"),
    ("/api/v1/me/statement", "limit", "0"),
    ("/api/v1/me/statement", "cursor", "yesterday"),
    ("/api/v1/spaces/utilisation", "from", "2026-02-30"),
    ("/api/v1/spaces/utilisation", "to", "next week"),
]


@pytest.fixture
def staff(client, social_worker):
    return api_token(client, social_worker.phone)


@pytest.mark.parametrize("path", LISTS_WITHOUT_FILTERS)
def test_a_filter_sent_to_a_list_that_takes_none_is_a_422_naming_it(client, staff, path):
    answer = client.get(path, query_string={"status": "xyz"}, headers=staff)
    assert answer.status_code == 422, answer.get_json()
    body = answer.get_json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["status"]
    assert "takes none" in body["errors"]["status"][0]


@pytest.mark.parametrize(("path", "stray"), LISTS_WITH_FILTERS)
def test_a_misspelt_filter_is_a_422_naming_it_and_what_the_list_takes(client, staff, path, stray):
    joiner = "&" if "?" in path else "?"
    answer = client.get(f"{path}{joiner}{stray}=1", headers=staff)
    assert answer.status_code == 422, answer.get_json()
    errors = answer.get_json()["errors"]
    assert list(errors) == [stray]
    assert "it takes" in errors[stray][0]


@pytest.mark.parametrize(("path", "name", "value"), UNKNOWN_VALUES)
def test_an_unknown_filter_value_is_a_422_naming_the_parameter(client, staff, path, name, value):
    answer = client.get(path, query_string={name: value}, headers=staff)
    assert answer.status_code == 422, answer.get_json()
    assert list(answer.get_json()["errors"]) == [name]


def test_the_filters_a_list_takes_still_filter(client, staff):
    everything = client.get("/api/v1/claims?status=all&q=王", headers=staff)
    assert everything.status_code == 200
    assert client.get("/api/v1/me/statement?asset=space_minutes", headers=staff).status_code == 200


def test_benefits_of_a_known_merchant_are_listed(client, ctx, places):
    from points.marketplace import services as market

    shop = market.ensure_provider(
        code="yunxi-barber", kind="merchant", name_zh="云溪老街理发店", name_en="Barber"
    )
    market.ensure_benefit(
        provider=shop.code, category="haircut", title_zh="理发券", title_en="Cut", points=10
    )
    db.session.commit()
    listed = client.get(f"/api/v1/benefits?provider_id={shop.id}")
    assert [b["title_zh"] for b in listed.get_json()] == ["理发券"]
    unknown = client.get(f"/api/v1/benefits?provider_id={shop.id + 1}")
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"provider_id": ["is not a merchant of the marketplace"]}


def test_bulk_approval_names_each_element_that_is_not_a_claim_id(client, staff):
    answer = client.post(
        "/api/v1/claims/approve", json={"claims": [1, "x", 3, None]}, headers=staff
    )
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert sorted(errors) == ["claims[1]", "claims[3]"]
    assert all(isinstance(m, str) and "{" not in m for ms in errors.values() for m in ms)


def test_attendance_names_each_phone_and_member_id_that_failed(
    client, staff, social_worker, make_member, courses
):
    session = training.schedule(
        social_worker,
        course_code="basic-etiquette",
        place="党群服务中心",
        starts_at=utcnow() + timedelta(days=2),
        capacity=30,
    )
    db.session.execute(
        sa.update(CourseSession)
        .where(CourseSession.id == session.id)
        .values(starts_at=utcnow() - timedelta(hours=1))
    )
    resident = make_member(name="陈小明")
    url = f"/api/v1/training/sessions/{session.id}/attendance"

    typed = client.post(url, json={"member_ids": [resident.id, "x"]}, headers=staff)
    assert typed.status_code == 422 and list(typed.get_json()["errors"]) == ["member_ids[1]"]

    unknown = client.post(url, json={"member_ids": [resident.id, 999_999]}, headers=staff)
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"member_ids[1]": ["no such member: 999999"]}

    walk_ins = {"phones": [resident.phone, "", "13899999999"]}
    phones = client.post(url, json=walk_ins, headers=staff)
    assert phones.status_code == 422
    assert phones.get_json()["errors"] == {"phones[2]": ["not registered: 13899999999"]}

    db.session.expire(session)
    assert session.attendances == []  # refused calls record nobody
    done = client.post(url, json={"member_ids": [resident.id]}, headers=staff)
    assert done.status_code == 200 and [m["id"] for m in done.get_json()["recorded"]] == [
        resident.id
    ]
