"""Flask extensions, created unbound; `create_app` binds them."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Typed declarative base for every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
