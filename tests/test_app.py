"""The app serves its pages, its API document, and contract-shaped JSON errors."""

from __future__ import annotations

import subprocess
import sys

from tests.workers import ROOT, worker_environment


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


def test_the_app_gunicorn_serves_answers_without_the_commands_or_alembic(db_url, tmp_path):
    # The Procfile's web line names the app; a web worker needs no `flask …` command, and
    # leaving them out keeps Alembic (~10 MB in every worker) out of it.
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines()
               if line.startswith("web:"))
    module, call = web.rsplit("'", 2)[-2].split(":")
    script = (
        "import sys\n"
        f"import {module}\n"
        f"app = {module}.{call}\n"
        "assert app.test_client().get('/api/v1/health').status_code == 200\n"
        "assert 'migrate' not in app.extensions and 'ledger' not in app.cli.commands\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'flask_migrate'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT,
                            env=worker_environment(db_url, tmp_path),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_app_the_commands_run_on_has_them_and_the_migrations(app):
    # `flask db …` (Flask-Migrate's group) finds its configuration here.
    assert {"ledger", "seed", "worker"} <= set(app.cli.commands)
    assert "migrate" in app.extensions
