"""Liveness of the service and its database."""

from __future__ import annotations

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
    # A pooled connection's own cursor: the question needs no session or transaction.
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    finally:
        connection.close()  # back to the pool
    return {"status": "ok", "database": db.engine.dialect.name}
