"""Social worker pages: members (filter by level, community, skill), a member's record,
course attendance, skill reviews, suspension and exit — always within the worker's scope."""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from points import messages as shared
from points import validate
from points.database import is_id, utcnow
from points.errors import InvalidInput, PointsError
from points.extensions import db
from points.members import services as members
from points.members.models import LEVELS, Community, Course, Member, Skill
from points.spaces import services as spaces
from points.spaces import standing
from points.web.forms import attempt, query_number, refused, show_error

bp = Blueprint("staff", __name__, url_prefix="/staff")
PAGE = 50


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _member_in_scope(member_id: int) -> Member:
    """Another community's member is 'not found' for a social worker, as in the API."""
    member = members.get_member(member_id)
    if not members.can_manage(current_user, member):
        abort(404)
    return member


@bp.get("/members")
@staff_required
def member_list():
    query = sa.select(Member).where(members.staff_scope(current_user))
    level = request.args.get("level", "")
    if level and level not in LEVELS:
        raise InvalidInput(shared.ONE_OF_LEVELS, field="level", values=LEVELS)
    if level:
        query = query.where(Member.level == level)
    # "none": members without a community (older accounts, API sign-ups that named none);
    # only the street admin's scope holds them.
    unassigned = request.args.get("community") == "none"
    community = None if unassigned else query_number("community")
    if community is not None and (
        not is_id(community) or db.session.get(Community, community) is None
    ):
        raise InvalidInput(shared.NOT_A_COMMUNITY, field="community")
    if unassigned:
        query = query.where(Member.community_id.is_(None))
    elif community:
        query = query.where(Member.community_id == community)
    skill = request.args.get("skill", "").strip()
    if skill:
        query = query.where(
            Member.id.in_(
                sa.select(Skill.member_id).where(
                    Skill.status == "approved",
                    sa.or_(Skill.category.contains(skill), Skill.description.contains(skill)),
                )
            )
        )
    name = validate.folded(request.args.get("q", "")).strip()
    if name:
        query = query.where(sa.or_(Member.name.contains(name), Member.phone.contains(name)))
    asked = query_number("page")
    page = 1 if asked is None else validate.whole(asked, "page", 1, 100_000)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Member.id).offset((page - 1) * PAGE).limit(PAGE)).all()
    communities = db.session.scalars(sa.select(Community).order_by(Community.id)).all()
    return render_template(
        "staff/members.html",
        members=rows,
        total=total,
        page=page,
        pages=-(-total // PAGE),
        communities=communities,
        levels=LEVELS,
        filters={
            "level": level,
            "community": "none" if unassigned else community,
            "skill": skill,
            "q": name,
        },
        unassigned=members.unassigned_count(current_user),
    )


@bp.get("/members/<int:member_id>")
@staff_required
def member_detail(member_id: int):
    member = _member_in_scope(member_id)
    phone = members.reveal_phone(current_user, member)  # recorded: who saw the number, when
    return render_template(
        "staff/member.html",
        member=member,
        phone=phone,
        progress=members.progress_of(member),
        history=members.level_history(member),
        reversible=[c.id for c in members.level_history(member) if members.reversible(c)]
        if current_user.has_role("admin")
        else [],
        skills=db.session.scalars(
            sa.select(Skill).filter_by(member_id=member.id).order_by(Skill.id.desc())
        ).all(),
        completions=members.completions_of(member),
        courses=db.session.scalars(sa.select(Course).order_by(Course.tier, Course.id)).all(),
        communities=(
            db.session.scalars(sa.select(Community).order_by(Community.id)).all()
            if current_user.has_role("admin")
            else []
        ),
    )


def _act(member_id: int, action, success: str):
    member = _member_in_scope(member_id)
    attempt(lambda: action(member), success)
    return redirect(url_for("staff.member_detail", member_id=member.id))


@bp.post("/members/<int:member_id>/courses")
@staff_required
def record_course(member_id: int):
    def action(member):
        course = members.get_course(request.form.get("course", ""))
        members.record_completion(member, course, actor=current_user)

    return _act(member_id, action, _("Course completion recorded."))


@bp.post("/members/<int:member_id>/community")
@staff_required
def assign_community(member_id: int):
    def action(member):
        members.assign_community(
            member,
            community_id=request.form.get("community_id", type=int),
            reason=request.form.get("reason", ""),
            actor=current_user,
        )

    return _act(member_id, action, _("Community assigned and recorded."))


@bp.post("/skills/<int:skill_id>/review")
@staff_required
def review_skill(skill_id: int):
    skill = db.session.get(Skill, skill_id) or abort(404)
    approve = request.form.get("decision") == "approve"

    def action(member):
        members.review_skill(
            skill, approve=approve, note=request.form.get("note", ""), actor=current_user
        )

    return _act(
        skill.member_id,
        action,
        _("Skill approved.") if approve else _("Skill rejected; the member sees why."),
    )


@bp.post("/members/<int:member_id>/status")
@staff_required
def set_status(member_id: int):
    """Suspending or exiting is asked first (it ends sign-ins and cancels bookings); after
    it, the page lists each booking it cancelled and what came back."""
    member = _member_in_scope(member_id)
    status, reason = request.form.get("status", ""), request.form.get("reason", "")
    if status != "active" and request.form.get("confirmed") != "yes":
        return _confirm_status(member, status, reason)
    with refused():
        change = members.set_status(member, status, reason=reason, actor=current_user)
        flash(_("Status changed and recorded."), "success")
        flash_cancelled(change)
    return redirect(url_for("staff.member_detail", member_id=member.id))


def _confirm_status(member: Member, status: str, reason: str):
    try:
        members.check_status_change(member, status, reason=reason, actor=current_user)
    except PointsError as error:
        show_error(None, error)
        return redirect(url_for("staff.member_detail", member_id=member.id))
    lost = standing.bookings_lost(member, level=member.level, status=status, now=utcnow())
    return render_template(
        "staff/status_confirm.html",
        member=member,
        status=status,
        reason=reason.strip(),
        bookings=lost,
    )


def flash_cancelled(change, name: str | None = None) -> None:
    """After a loss of level or status: each booking it cancelled (space, local time, what
    came back), as the change recorded them; `name` the member's, when several are shown."""
    records = (change.consequences or {}).get("bookings")
    if records is None:
        return
    if not records:
        if name:
            flash(_("%(name)s: no future booking needed to be cancelled.", name=name), "success")
        else:
            flash(_("No future booking needed to be cancelled."), "success")
        return
    n = len(records)
    if name:
        flash(
            _(
                "%(name)s: future bookings cancelled, all they cost given back: %(n)s",
                name=name,
                n=n,
            ),
            "success",
        )
    else:
        flash(_("Future bookings cancelled, all they cost given back: %(n)s", n=n), "success")
    for record in records:
        booking = spaces.get_booking(record["booking"])
        flash(
            _(
                "%(space)s, %(time)s: %(points)s points and %(minutes)s minutes refunded",
                space=booking.space.name(str(get_locale())),
                time=format_datetime(booking.start_at, "short"),
                points=record["refunded_points"],
                minutes=record["refunded_minutes"],
            ),
            "success",
        )


@bp.post("/members/<int:member_id>/changes/<int:change_id>/reverse")
@staff_required
def reverse_demotion(member_id: int, change_id: int):
    change = members.get_level_change(change_id) if change_id else None
    if change is None or change.member_id != member_id:
        abort(404)

    def action(member):
        members.reverse_demotion(change, reason=request.form.get("reason", ""), actor=current_user)

    return _act(member_id, action, _("Demotion reversed; the level is back."))


@bp.get("/skills")
@staff_required
def skill_queue():
    rows = db.session.execute(
        sa.select(Skill, Member)
        .join(Member, Member.id == Skill.member_id)
        .where(Skill.status == "declared", members.staff_scope(current_user))
        .order_by(Skill.id)
    ).all()
    return render_template("staff/skills.html", rows=rows)
