"""Flask extensions, created unbound; `create_app` binds them."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Typed declarative base for every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
