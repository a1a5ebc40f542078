"""The member's own profile: level, what the next level needs, history, pledge, skills."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from points.extensions import db
from points.ledger import services as ledger
from points.members import quarterly, training
from points.members import services as members
from points.members.models import Skill
from points.web.forms import refused

bp = Blueprint("profile", __name__, url_prefix="/me")


class PledgeForm(FlaskForm):
    real_name = StringField(_l("Real name (as on your ID card)"))


class EmailForm(FlaskForm):
    email = StringField(_l("Email (optional, for messages by email)"))


class SkillForm(FlaskForm):
    category = StringField(_l("Skill (e.g. yoga, first aid, knitting)"))
    description = TextAreaField(_l("What you can do, and for whom"))


def _render(pledge_form=None, skill_form=None, email_form=None, status=200):
    member = current_user
    wallets = ledger.wallet_balances(member.id, ("points", "space_minutes"))
    return render_template(
        "profile/show.html",
        member=member,
        progress=members.progress_of(member),
        history=members.level_history(member),
        balance=wallets["points"],
        minutes=wallets["space_minutes"],
        skills=db.session.scalars(
            sa.select(Skill).filter_by(member_id=member.id).order_by(Skill.id.desc())
        ).all(),
        assessment=quarterly.latest_for(member),
        signups=training.my_signups(member),
        pledge_form=pledge_form or PledgeForm(),
        skill_form=skill_form or SkillForm(),
        email_form=email_form or EmailForm(email=member.email or ""),
    ), status


@bp.get("")
@login_required
def show():
    return _render()


@bp.post("/pledge")
@login_required
def pledge():
    form = PledgeForm()
    if form.validate_on_submit():
        level_before = current_user.level
        with refused(form):
            members.record_pledge(current_user, real_name=form.real_name.data)
            if current_user.level != level_before:
                flash(_("Congratulations — you are now a volunteer!"), "success")
            else:
                flash(_("Thank you for your pledge. See below what is still needed."), "success")
            return redirect(url_for("profile.show"))
    return _render(pledge_form=form, status=422)


@bp.post("/skills")
@login_required
def declare_skill():
    form = SkillForm()
    if form.validate_on_submit():
        with refused(form):
            members.declare_skill(
                current_user, category=form.category.data, description=form.description.data
            )
            flash(_("Your skill is declared. A social worker will review it."), "success")
            return redirect(url_for("profile.show"))
    return _render(skill_form=form, status=422)


@bp.post("/email")
@login_required
def set_email():
    form = EmailForm()
    if form.validate_on_submit():
        with refused(form):
            members.set_email(current_user, form.email.data)
            flash(_("Saved."), "success")
            return redirect(url_for("profile.show") + "#messages")
    return _render(email_form=form, status=422)
