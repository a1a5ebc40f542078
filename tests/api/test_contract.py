"""The API's own contract: the OpenAPI document says who may call what and how errors look,
and the answers agree with it."""

from __future__ import annotations

import io

MEMBER = [{"bearer": []}, {"cookie": []}]


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method.upper(), path, operation


def test_the_document_declares_bearer_and_cookie_security(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearer"]["description"],
    }
    assert schemes["cookie"]["type"] == "apiKey"
    assert schemes["cookie"]["in"] == "cookie" and schemes["cookie"]["name"] == "session"
    assert "X-CSRFToken" in schemes["cookie"]["description"]
    assert doc["security"] == MEMBER


def test_only_the_public_operations_need_no_member(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    public = {(m, p) for m, p, op in _operations(doc) if op.get("security") == []}
    assert public == {
        ("GET", "/api/v1/health"),
        ("POST", "/api/v1/auth/register"),
        ("GET", "/api/v1/auth/communities"),
        ("POST", "/api/v1/auth/token"),
        ("POST", "/api/v1/auth/code"),
        ("POST", "/api/v1/auth/password/reset"),
        ("GET", "/api/v1/activity-types"),
        ("GET", "/api/v1/activity-types/{code}/versions"),
        ("GET", "/api/v1/benefits"),
        ("GET", "/api/v1/benefits/{benefit_id}"),
        ("GET", "/api/v1/spaces"),
        ("GET", "/api/v1/spaces/{space_id}/availability"),
        ("GET", "/api/v1/notices"),
        ("GET", "/api/v1/tickets/board/{community_id}"),
        ("GET", "/api/v1/tickets/{ticket_id}/photos/{photo_id}"),
        ("GET", "/api/v1/communities/{community_id}/fund"),
    }
    for method, path, operation in _operations(doc):
        if (method, path) not in public:
            assert "security" not in operation, (method, path)  # the global rule applies
            assert "401" in operation["responses"], (method, path)


def test_the_error_schema_has_a_string_code(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["code"]["type"] == "string"
    assert error["properties"]["message"]["type"] == "string"
    assert error["properties"]["errors"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert set(error["required"]) == {"code", "message", "errors"}
    assert "status" not in error["properties"]
    default = doc["components"]["responses"]["DEFAULT_ERROR"]
    assert default["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_a_wrong_method_is_405_with_allow(client):
    answer = client.put("/api/v1/claims")
    assert answer.status_code == 405
    assert answer.get_json()["code"] == "method_not_allowed"
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert answer.content_type == "application/json"


def test_an_anonymous_write_with_a_bad_body_is_401_not_422(client):
    answer = client.post("/api/v1/claims", json={"activity_type": 5, "quantity": "many"})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    answer = client.post("/api/v1/claims", data="not json", content_type="text/plain")
    assert answer.status_code == 401
    answer = client.get("/api/v1/claims?status=nonsense")
    assert answer.status_code == 401


def test_a_wrong_token_is_401_before_validation(client):
    bad = {"Authorization": "Bearer not-a-token"}
    answer = client.post("/api/v1/bookings", json={"space_id": "x"}, headers=bad)
    assert answer.status_code == 401


def test_public_operations_work_without_a_member(client, world):
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/activity-types").status_code == 200
    assert client.get("/api/v1/benefits").status_code == 200
    assert client.get("/api/v1/spaces").status_code == 200
    # A public write still validates its body: the 422 names the fields.
    answer = client.post("/api/v1/auth/register", json={"phone": "1"})
    assert answer.status_code == 422 and "name" in answer.get_json()["errors"]


def test_a_signed_in_member_gets_past_the_guard(client, world):
    answer = client.post("/api/v1/claims", json={"quantity": "many"}, headers=world["volunteer"])
    assert answer.status_code == 422


def test_a_429_says_when_to_try_again(app, client, world):
    app.config["CONFIRM_WRONG_CODE_LIMIT"] = "2 per minute"
    answers = [
        client.post(
            "/api/v1/merchant/redemptions/confirm", json={"code": 5}, headers=world["volunteer"]
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [422, 422, 429]
    assert answers[-1].get_json()["code"] == "too_many_requests"
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 61


def test_a_body_too_large_is_413_in_the_contract_shape(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    answer = client.post(
        "/api/v1/uploads",
        data={"photo": (io.BytesIO(b"\xff\xd8\xff" + b"\x00" * 2000), "a.jpg")},
        headers=world["volunteer"],
    )
    assert answer.status_code == 413
    assert answer.get_json()["code"] == "too_large"


def test_operations_list_the_refusals_they_answer(client):
    doc = client.get("/api/v1/openapi.json").get_json()

    def responses(method, path):
        return doc["paths"][path][method]["responses"]

    assert {"400", "401", "403", "404", "409"} <= set(
        responses("post", "/api/v1/claims/{claim_id}/approve")
    )
    assert {"400", "401", "403", "404", "409", "422"} <= set(responses("post", "/api/v1/bookings"))
    confirm = responses("post", "/api/v1/merchant/redemptions/confirm")
    assert confirm["429"]["headers"]["Retry-After"]["required"] is True
    assert "401" in responses("post", "/api/v1/auth/token")  # a wrong phone or password
    assert "401" in responses("post", "/api/v1/auth/password/reset")  # a wrong code
    assert "401" not in responses("post", "/api/v1/auth/code")  # never says who exists
    assert "401" not in responses("post", "/api/v1/auth/register")
    for item in doc["paths"].values():
        for method, operation in item.items():
            if method != "parameters":
                assert "default" in operation["responses"]  # anything else: the Error shape
