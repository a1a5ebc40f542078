"""Liveness of the service and its database."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, fields

from points.api.blueprint import Blueprint
from points.extensions import db

blp = Blueprint("system", __name__, description="Service health")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"example": "sqlite"})


@blp.route("/health")
@blp.response(200, HealthSchema)
def health():
    """Is the service up, and can it reach its database?"""
    db.session.execute(sa.select(1))
    return {"status": "ok", "database": db.engine.dialect.name}
