"""The code keeps its shape: one-way imports, and migrations that match the models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from points.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_imports_point_one_way():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", "pyproject.toml"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_migrations_create_exactly_the_models_schema(ctx):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def _contract(name: str) -> dict:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return next(c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == name)


def test_the_ledger_may_import_no_other_domain_nor_an_entry_point():
    forbidden = set(_contract("The ledger imports no other domain")["forbidden_modules"])
    domains = {
        f"points.{d.name}"
        for d in (ROOT / "points").iterdir()
        if (d / "__init__.py").exists() and d.name != "ledger"
    }
    assert domains <= forbidden
    assert {"points.cli", "points.app"} <= forbidden


def test_the_readme_names_every_domain_folder():
    layout = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1]
    for folder in (
        "ledger",
        "members",
        "activities",
        "marketplace",
        "spaces",
        "notifications",
        "web",
        "api",
    ):
        assert f"`{folder}/`" in layout
