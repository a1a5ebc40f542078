"""社区主理人 — community host points platform. `flask --app points …` finds create_app here."""

from points.app import create_app

__all__ = ["create_app"]
