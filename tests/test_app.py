"""The app serves its pages, its API document, and contract-shaped JSON errors."""

from __future__ import annotations


def test_the_home_page_is_in_chinese_and_fits_a_phone(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "社区主理人" in html
    assert 'name="viewport"' in html


def test_health_reports_the_database(client, dialect):
    answer = client.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": dialect}


def test_the_openapi_document_describes_the_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/health" in doc["paths"]


def test_api_errors_are_json_with_a_code_and_message(client):
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    body = answer.get_json()
    assert body["code"] == "not_found"
    assert body["message"]
    assert body["errors"] == {}
    assert client.post("/api/v1/health").get_json()["code"] == "method_not_allowed"


def test_page_errors_stay_html(client):
    answer = client.get("/no-such-page")
    assert answer.status_code == 404
    assert answer.mimetype == "text/html"
