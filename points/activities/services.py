"""Claims (积分申报): submit, approve → one `earn` transfer, reject, reverse; evidence photos;
and the measures other domains read (approved service hours, programmes held).

Approval is exactly-once: the claim row is locked, an approved claim is returned as it is,
and the award's idempotency key is the claim's id. Caps are checked at approval under a
per-member lock, so two approvals at once cannot both squeeze under one cap.
"""

from __future__ import annotations

import functools
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from points import clock, validate
from points import messages as shared
from points.activities import messages as M
from points.activities.catalogue import current_type, may_claim
from points.activities.models import (
    CLAIM_STATUSES,
    Activity,
    ActivityCategory,
    ActivityType,
    Claim,
    Evidence,
)
from points.database import is_id, lock_key, lock_row, utcnow
from points.errors import Conflict, Forbidden, InvalidInput, NotFound, PointsError, Said
from points.extensions import db
from points.ledger import services as ledger
from points.members import helpers
from points.members import services as members
from points.members.models import Member
from points.notifications import render
from points.notifications import services as notifications

# What an uploaded photo may be, by its first bytes (the name and header can lie), and the
# Pillow formats that may decode it (phones write multi-picture JPEGs, which Pillow calls MPO).
IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg", ("JPEG", "MPO")),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png", ("PNG",)),
)
MAX_NOTE = 500
MAX_BULK = 500  # claims approved in one go


# ---------------------------------------------------------------------------- time


local_today = clock.today  # the community's date (see points/clock.py)
_day_start = clock.at


# ---------------------------------------------------------------------------- evidence


def save_evidence(member: Member, data: bytes, *, now: datetime | None = None) -> Evidence:
    """Store an uploaded photo outside the database: a JPEG or PNG, at most the configured
    size, decoded and written afresh (see clean_photo) so only its pixels are kept."""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    if not isinstance(data, bytes | bytearray) or not data:
        raise InvalidInput(M.PHOTO_MISSING, field="photo")
    if len(data) > limit:
        raise InvalidInput(M.PHOTO_TOO_BIG, field="photo", n=limit // (1024 * 1024))
    kind = next((k for k in IMAGE_SIGNATURES if data.startswith(k[0])), None)
    if kind is None:
        raise InvalidInput(M.PHOTO_KIND, field="photo")
    _, content_type, extension, formats = kind
    clean = clean_photo(bytes(data), formats, current_app.config["EVIDENCE_MAX_PIXELS"])
    token = secrets.token_hex(16)
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{token}.{extension}"
    (folder / stored_name).write_bytes(clean)
    evidence = Evidence(
        token=token,
        member_id=member.id,
        stored_name=stored_name,
        content_type=content_type,
        size=len(clean),
        created_at=now or utcnow(),
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def clean_photo(data: bytes, formats: tuple[str, ...], max_pixels: int) -> bytes:
    """Decode a photo and encode its pixels again in the same format, upright.

    What is not pixels is left behind: EXIF (GPS position, camera, time), XMP, comments, PNG
    text chunks and anything appended after the image (a polyglot's HTML or script). Only the
    colour profile and PNG transparency are kept, as they change how the pixels look. The
    pixel count is checked from the header before anything is decoded (decompression bombs).
    """
    from PIL import Image, ImageOps  # here: Pillow is needed by evidence photos alone

    too_large = M.PHOTO_TOO_MANY_PIXELS(n=max_pixels // 1_000_000)
    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise InvalidInput(too_large, field="photo")
            image.load()
            try:
                upright = ImageOps.exif_transpose(image)
            except Exception:  # a broken orientation tag: the pixels are still good
                upright = image.copy()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Beyond Pillow's own limit (a warning turned into an error under tests).
        raise InvalidInput(too_large, field="photo") from None
    except Exception:  # whatever Pillow raises on bytes that are not a whole image
        raise InvalidInput(M.PHOTO_UNREADABLE, field="photo") from None
    keep = {k: upright.info[k] for k in ("icc_profile", "transparency") if k in upright.info}
    upright.info = {}  # nothing of the original's metadata rides along into the new file
    out = io.BytesIO()
    if "PNG" in formats:
        upright.save(out, format="PNG", **keep)
    else:
        keep.pop("transparency", None)
        upright.save(out, format="JPEG", quality=90, **keep)
    return out.getvalue()


def evidence_path(evidence: Evidence) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / evidence.stored_name


def _evidence(member: Member, token) -> Evidence | None:
    if token is None or token == "":
        return None
    return own_photo(member, token)


def own_photo(member: Member, token, field: str = "photo") -> Evidence:
    """A photo `member` uploaded (by its token) that no claim uses yet."""
    found = None
    if isinstance(token, str):
        found = db.session.scalar(sa.select(Evidence).filter_by(token=token, member_id=member.id))
    if found is None:
        raise InvalidInput(M.PHOTO_NOT_YOURS, field=field)
    used = db.session.scalar(sa.select(Claim.id).filter_by(evidence_id=found.id))
    if used is not None:
        raise InvalidInput(M.PHOTO_USED, field=field)
    return found


# ---------------------------------------------------------------------------- input


def quantity_tenths(value, activity_type: ActivityType) -> int:
    """Hours in half-hour steps (0.5–24), or a whole count (1–the configured most)."""
    try:
        quantity = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except InvalidOperation:
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise InvalidInput(M.NOT_A_NUMBER, field="quantity")
    if activity_type.unit == "hour":
        if not Decimal("0.5") <= quantity <= Decimal(24) or quantity % Decimal("0.5"):
            raise InvalidInput(M.HALF_HOURS, field="quantity")
    else:
        most = current_app.config["CLAIM_MAX_OCCURRENCES"]
        if quantity != quantity.to_integral_value() or not 1 <= quantity <= most:
            raise InvalidInput(shared.WHOLE_NUMBER, field="quantity", low=1, high=most)
    return int(quantity * 10)


def _occurred_on(value, now: datetime) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(M.DATE_SHAPE, field="occurred_on") from None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput(M.DATE_SHAPE, field="occurred_on")
    today = local_today(now)
    if value > today:
        raise InvalidInput(M.DATE_IN_FUTURE, field="occurred_on")
    oldest = current_app.config["CLAIM_MAX_AGE_DAYS"]
    if value < today - timedelta(days=oldest):
        raise InvalidInput(M.DATE_TOO_OLD, field="occurred_on", n=oldest)
    return value


def _note(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(M.NOT_TEXT, field="note")
    if len(value.strip()) > MAX_NOTE:
        raise InvalidInput(shared.TOO_LONG, field="note", limit=MAX_NOTE)
    return validate.refuse_controls(value.strip(), "note")


def points_for(activity_type: ActivityType, tenths: int) -> int:
    """Points for a quantity: points per unit × quantity, rounded down."""
    return activity_type.points * tenths // 10


# ---------------------------------------------------------------------------- caps


@dataclass(frozen=True)
class CapCheck:
    """Points already awarded from one type on the day and in the month, and the caps."""

    day: int
    month: int
    daily_cap: int | None
    monthly_cap: int | None

    def refusal(self, points: int) -> Said | None:
        if self.daily_cap is not None and self.day + points > self.daily_cap:
            return M.DAILY_CAP(cap=self.daily_cap, had=self.day, adds=points)
        if self.monthly_cap is not None and self.month + points > self.monthly_cap:
            return M.MONTHLY_CAP(cap=self.monthly_cap, had=self.month, adds=points)
        return None


def _month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def _awarded(member_ids, codes, since: date, until: date) -> dict[tuple[int, str, date], int]:
    """What the caps count, in one query: points awarded (approved, not reversed) per member,
    type code (any version of the type) and day of the work, for days in [since, until)."""
    rows = db.session.execute(
        sa.select(
            Claim.member_id,
            ActivityType.code,
            Claim.occurred_on,
            sa.func.coalesce(sa.func.sum(Claim.points), 0),
        )
        .join(ActivityType, ActivityType.id == Claim.activity_type_id)
        .where(
            Claim.status == "approved",
            Claim.member_id.in_(set(member_ids)),
            ActivityType.code.in_(set(codes)),
            Claim.occurred_on >= since,
            Claim.occurred_on < until,
        )
        .group_by(Claim.member_id, ActivityType.code, Claim.occurred_on)
    )
    return {(member_id, code, day): int(points) for member_id, code, day, points in rows}


def _caps(awarded, member_id: int, activity_type: ActivityType, day: date) -> CapCheck:
    code, (first, until) = activity_type.code, _month_of(day)
    return CapCheck(
        day=awarded.get((member_id, code, day), 0),
        month=sum(points for (m, c, d), points in awarded.items()
                  if m == member_id and c == code and first <= d < until),
        daily_cap=activity_type.daily_cap,
        monthly_cap=activity_type.monthly_cap,
    )


def cap_check(member_id: int, activity_type: ActivityType, day: date) -> CapCheck:
    """Awarded points (approved, not reversed) from any version of the type, on the day and
    in its month, beside the type's caps."""
    awarded = _awarded({member_id}, {activity_type.code}, *_month_of(day))
    return _caps(awarded, member_id, activity_type, day)


@dataclass(frozen=True)
class QueueFigures:
    """What a reviewer weighs for one claim: the points approving it would award, what the
    claimant already has from its type on that day and in that month (`cap_check`), and the
    cap refusal approving it now would meet, if any."""

    points: int
    caps: CapCheck
    refusal: Said | None


def queue_figures(claims) -> dict[int, QueueFigures]:
    """`cap_check` and `points_for` for many claims at once, by claim id, in one query."""
    claims = list(claims)
    if not claims:
        return {}
    awarded = _awarded(
        {c.member_id for c in claims},
        {c.activity_type.code for c in claims},
        min(_month_of(c.occurred_on)[0] for c in claims),
        max(_month_of(c.occurred_on)[1] for c in claims),
    )
    figures = {}
    for claim in claims:
        caps = _caps(awarded, claim.member_id, claim.activity_type, claim.occurred_on)
        points = points_for(claim.activity_type, claim.quantity_tenths)
        figures[claim.id] = QueueFigures(points, caps, caps.refusal(points))
    return figures


# ---------------------------------------------------------------------------- claims


def submit_claim(
    member: Member,
    *,
    activity_type,
    occurred_on,
    quantity,
    note=None,
    photo=None,
    activity: Activity | None = None,
    actor: Member | None = None,
    counter: bool = False,
    now: datetime | None = None,
) -> Claim:
    """A member's claim for work done; `photo` is the token of an uploaded photo.

    `actor` is who sends it when it is not the member (代办: a helper named for `claim`, or
    with `counter` a social worker with the member there in person): the claim is the
    member's, records who sent it, and the member is told."""
    now = now or utcnow()
    on_behalf = helpers.authorise(actor, member, "claim", counter=counter, now=now)
    if member.status != "active":
        raise Forbidden(M.ACCOUNT_NOT_ACTIVE)
    if activity is None:
        version = current_type(activity_type)
        if not version.active:
            raise InvalidInput(M.CLOSED_FOR_CLAIMS, field="activity_type")
        if not may_claim(member, version):
            raise Forbidden(M.LEVEL_NEEDED, level=version.min_level)
    else:
        version = activity.activity_type
    tenths = quantity_tenths(quantity, version)
    day = _occurred_on(occurred_on, now) if activity is None else occurred_on
    evidence = _evidence(member, photo)
    if version.evidence and evidence is None and activity is None:
        raise InvalidInput(M.PHOTO_NEEDED, field="photo")
    points = points_for(version, tenths)
    if points < 1:
        raise InvalidInput(M.TOO_SMALL, field="quantity")
    if activity is None:  # an early word; approval checks again with every award counted
        refusal = cap_check(member.id, version, day).refusal(points)
        if refusal:
            raise Conflict(refusal, field="quantity")
    claim = Claim(
        member_id=member.id,
        community_id=member.community_id,
        activity_type_id=version.id,
        activity_id=activity.id if activity else None,
        occurred_on=day,
        quantity_tenths=tenths,
        note=_note(note),
        evidence_id=evidence.id if evidence else None,
        status="submitted",
        created_at=now,
        acted_by=on_behalf.actor.id if on_behalf else None,
        helper_grant_id=on_behalf.grant_id if on_behalf else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(claim)
            db.session.flush()
    except IntegrityError:  # the same photo sent with two claims at once
        raise InvalidInput(M.PHOTO_USED, field="photo") from None
    helpers.tell_acted(
        member,
        on_behalf,
        render.names(
            f"申报了 {version.name_zh}（{day.isoformat()}）",
            f"claimed points for {version.name_en} ({day.isoformat()})",
        ),
        subject=f"helper-acted:claim:{claim.id}",
        now=now,
    )
    return claim


def get_claim(claim_id) -> Claim:
    found = db.session.get(Claim, claim_id) if is_id(claim_id) else None
    if found is None:
        raise NotFound(M.NO_SUCH_CLAIM, field="claim")
    return found


def manages(actor: Member, claim: Claim) -> bool:
    """Admins everywhere; a social worker for claims made in their community (where the work
    was done, even if the member has moved since)."""
    if actor.has_role("admin"):
        return True
    return actor.has_role("social_worker") and actor.community_id == claim.community_id


def _scope(actor: Member):
    members.require_staff(actor)
    if actor.has_role("admin"):
        return sa.true()
    return Claim.community_id == actor.community_id


def visible_claim(claim_id, viewer: Member) -> Claim:
    """The claim if the viewer owns it or manages it; otherwise not found."""
    claim = get_claim(claim_id)
    if claim.member_id == viewer.id or manages(viewer, claim):
        return claim
    raise NotFound(M.NO_SUCH_CLAIM, field="claim")


def _require_approver(claim: Claim, actor: Member) -> None:
    members.require_staff(actor)
    if actor.id == claim.member_id:
        raise Forbidden(M.OWN_CLAIM)
    if not manages(actor, claim):
        raise Forbidden(M.NOT_YOUR_COMMUNITY)
    if claim.activity_type.approver == "admin" and not actor.has_role("admin"):
        raise Forbidden(M.ADMIN_APPROVES)


def award_memo(claim: Claim) -> str:
    t = claim.activity_type
    unit = "小时" if t.unit == "hour" else "次"
    quantity = f"{claim.quantity:g}"
    return f"积分申报 #{claim.id} {t.name_zh} {claim.occurred_on.isoformat()} {quantity}{unit}"


def approve_claim(claim: Claim, *, actor: Member, now: datetime | None = None) -> Claim:
    """Approve: credit the rule's points to the member, once, however often pressed."""
    now = now or utcnow()
    _require_approver(claim, actor)
    # One member's approvals run one at a time, so the cap check sees every earlier award.
    lock_key(db.session, f"claims-of:{claim.member_id}")
    claim = lock_row(db.session, claim)
    if claim.status == "approved":
        return claim
    if claim.status != "submitted":
        raise Conflict(M.CLAIM_DECIDED, status=claim.status)
    points = points_for(claim.activity_type, claim.quantity_tenths)
    refusal = cap_check(claim.member_id, claim.activity_type, claim.occurred_on).refusal(points)
    if refusal:
        raise Conflict(refusal, field="quantity")
    award = ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance"),
        destination=ledger.member_wallet(claim.member_id),
        amount=points,
        actor_id=actor.id,
        memo=award_memo(claim),
        idempotency_key=f"claim:{claim.id}",
        now=now,
    )
    claim.status = "approved"
    claim.points = points
    claim.transfer_id = award.id
    claim.decided_by = actor.id
    claim.decided_at = now
    db.session.flush()
    _tell(claim, M.CLAIM_APPROVED, now, points=points)
    return claim


def award_verified(
    member: Member,
    activity_code: str,
    *,
    occurred_on: date,
    actor_id: int,
    key: str,
    note: str,
    now: datetime | None = None,
) -> Claim | None:
    """Points for one unit of work another domain has verified (a 随手拍 report checked at
    triage, a dispatched ticket followed to its fix): an approved claim of the type's current
    version whose `source` is `key` (unique), so asking again pays nothing more. None
    when nothing is due: the type is closed, the member's level may not claim it, or its
    daily or monthly cap is reached. The caller keeps the claim so it asks only once."""
    now = now or utcnow()
    version = current_type(activity_code, missing_ok=True)
    if version is None or not version.active or member.status != "active":
        return None
    if not may_claim(member, version):
        return None
    points = points_for(version, 10)
    lock_key(db.session, f"claims-of:{member.id}")
    earlier = db.session.scalar(sa.select(Claim).filter_by(source=key))
    if earlier is not None:
        return earlier
    if cap_check(member.id, version, occurred_on).refusal(points):
        return None
    claim = Claim(
        member_id=member.id,
        community_id=member.community_id,
        activity_type_id=version.id,
        occurred_on=occurred_on,
        quantity_tenths=10,
        note=_note(note),
        status="submitted",
        created_at=now,
        source=key,
    )
    db.session.add(claim)
    db.session.flush()
    award = ledger.transfer(
        kind="earn",
        source=ledger.system_account("issuance"),
        destination=ledger.member_wallet(member.id),
        amount=points,
        actor_id=actor_id,
        memo=award_memo(claim),
        idempotency_key=f"claim:{claim.id}",  # as every award: `ledger verify` checks it
        now=now,
    )
    claim.status = "approved"
    claim.points = points
    claim.transfer_id = award.id
    claim.decided_by = actor_id
    claim.decided_at = now
    db.session.flush()
    return claim


def _tell(claim: Claim, kind, now: datetime, **params) -> None:
    """Tell the claimant what became of their claim (in the decision's transaction)."""
    t = claim.activity_type
    notifications.notify(
        members.get_member(claim.member_id),
        kind,
        subject=f"claim:{claim.id}",
        now=now,
        activity=render.names(t.name_zh, t.name_en),
        day=claim.occurred_on,
        **params,
    )


def reject_claim(claim: Claim, *, actor: Member, reason, now: datetime | None = None) -> Claim:
    """Reject with a reason the member will read; the claim stays visible."""
    _require_approver(claim, actor)
    reason = validate.reason(reason)
    claim = lock_row(db.session, claim)
    if claim.status == "rejected":
        return claim
    if claim.status != "submitted":
        raise Conflict(M.CLAIM_DECIDED, status=claim.status)
    claim.status = "rejected"
    claim.reason = reason
    claim.decided_by = actor.id
    claim.decided_at = now or utcnow()
    db.session.flush()
    _tell(claim, M.CLAIM_REJECTED, claim.decided_at, reason=reason)
    return claim


def reverse_claim(claim: Claim, *, actor: Member, reason, now: datetime | None = None) -> Claim:
    """Take an award back with a reversing transfer; the statement shows both, and why."""
    now = now or utcnow()
    members.require_staff(actor)
    if not manages(actor, claim):
        raise Forbidden(M.NOT_YOUR_COMMUNITY)
    reason = validate.reason(reason)
    lock_key(db.session, f"claims-of:{claim.member_id}")
    claim = lock_row(db.session, claim)
    if claim.status != "approved":
        raise Conflict(M.ONLY_APPROVED_REVERSED, status=claim.status)
    reversal = ledger.reverse_transfer(
        ledger.get_transfer(claim.transfer_id),
        reason=f"撤销积分申报 #{claim.id}: {reason}",
        actor_id=actor.id,
        now=now,
    )
    claim.status = "reversed"
    claim.reversal_id = reversal.id
    claim.reversed_by = actor.id
    claim.reversal_reason = reason
    db.session.flush()
    _tell(claim, M.CLAIM_REVERSED, now, points=claim.points, reason=reason)
    return claim


@dataclass
class BulkResult:
    approved: list[Claim]
    refused: dict[int, PointsError]


def approve_many(claim_ids, *, actor: Member, now: datetime | None = None) -> BulkResult:
    """Approve each claim in its own savepoint: one refused claim does not stop the rest.
    Only staff may ask at all; anyone else is refused outright, not claim by claim."""
    members.require_staff(actor)
    if not isinstance(claim_ids, list | tuple) or not claim_ids:
        raise InvalidInput(M.NO_CLAIMS_CHOSEN, field="claims")
    if len(claim_ids) > MAX_BULK:
        raise InvalidInput(M.TOO_MANY_CLAIMS, field="claims", n=MAX_BULK)
    result = BulkResult([], {})
    for claim_id in claim_ids:
        try:
            with db.session.begin_nested():
                claim = get_claim(claim_id)
                result.approved.append(approve_claim(claim, actor=actor, now=now))
        except PointsError as error:
            key = claim_id if isinstance(claim_id, int) else -1
            result.refused[key] = error
    return result


def claims_of(member: Member, *, limit: int = 100) -> list[Claim]:
    return list(
        db.session.scalars(
            sa.select(Claim).filter_by(member_id=member.id).order_by(Claim.id.desc()).limit(limit)
        )
    )


def queue(
    actor: Member,
    *,
    status: str = "submitted",
    category: str | None = None,
    search: str | None = None,
    limit: int = 200,
) -> list[Claim]:
    """Claims of members the actor manages, oldest first (the longest waiting on top).
    An unknown status or category is a field error, never a silently empty list."""
    if status not in (*CLAIM_STATUSES, "all"):
        raise InvalidInput(M.ONE_OF, field="status", values=(*CLAIM_STATUSES, "all"))
    if category and not db.session.scalar(sa.select(ActivityCategory.id).filter_by(code=category)):
        raise InvalidInput(M.UNKNOWN_CATEGORY, field="category")
    scope = _scope(actor)
    query = (
        sa.select(Claim)
        .join(Member, Member.id == Claim.member_id)
        .join(ActivityType, ActivityType.id == Claim.activity_type_id)
        .options(contains_eager(Claim.member))
        .where(scope)
        .order_by(Claim.id if status == "submitted" else Claim.id.desc())
        .limit(limit)
    )
    if status != "all":
        query = query.where(Claim.status == status)
    if category:
        query = query.join(ActivityCategory).where(ActivityCategory.code == category)
    if search:
        like = f"%{validate.folded(search).strip()}%"
        query = query.where(sa.or_(Member.name.like(like), Member.phone.like(like)))
    return list(db.session.scalars(query))


def queue_count(actor: Member) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Claim)
        .join(Member, Member.id == Claim.member_id)
        .where(_scope(actor), Claim.status == "submitted")
    )


def _behind(ids) -> sa.ColumnElement[bool]:
    """A claim is behind a transfer that awarded it or reversed its award."""
    return sa.or_(Claim.transfer_id.in_(ids), Claim.reversal_id.in_(ids))


def _by_transfer(found, ids: list[int]) -> dict:
    """`found` (each with transfer_id and reversal_id) under each of `ids` it is behind."""
    wanted, out = set(ids), {}
    for row in found:
        for transfer_id in (row.transfer_id, row.reversal_id):
            if transfer_id in wanted:
                out[transfer_id] = row
    return out


@functools.cache
def _claims_behind() -> sa.Select:
    """The claims behind the transfers `:ids`; built once, as every statement page asks."""
    return sa.select(Claim).where(_behind(sa.bindparam("ids", expanding=True, type_=sa.Integer)))


def claims_for_transfers(transfer_ids) -> dict[int, Claim]:
    """The claim behind each award or reversal among `transfer_ids` (for statement pages)."""
    ids = list(transfer_ids)
    if not ids:
        return {}
    return _by_transfer(db.session.scalars(_claims_behind(), {"ids": ids}), ids)


@dataclass(frozen=True)
class ClaimRef:
    """What a statement line says of the claim behind it: its id and the activity type."""

    transfer_id: int
    reversal_id: int | None
    claim_id: int
    activity: dict  # code, name_zh, name_en, version


@functools.cache
def _claim_refs_behind() -> sa.Select:
    return (
        sa.select(
            Claim.transfer_id,
            Claim.reversal_id,
            Claim.id,
            ActivityType.code,
            ActivityType.name_zh,
            ActivityType.name_en,
            ActivityType.version,
        )
        .join(ActivityType, ActivityType.id == Claim.activity_type_id)
        .where(_behind(sa.bindparam("ids", expanding=True, type_=sa.Integer)))
    )


def claim_refs_for_transfers(transfer_ids) -> dict[int, ClaimRef]:
    """`claims_for_transfers` as the API's statement shows it: the claim's id and its
    activity type's names and version, read as rows (no objects to build)."""
    ids = list(transfer_ids)
    if not ids:
        return {}
    refs = [
        ClaimRef(
            transfer,
            reversal,
            claim,
            {"code": code, "name_zh": zh, "name_en": en, "version": version},
        )
        for transfer, reversal, claim, code, zh, en, version in db.session.execute(
            _claim_refs_behind(), {"ids": ids}
        )
    ]
    return _by_transfer(refs, ids)


# ---------------------------------------------------------------------------- measures


def approved_hours(member_id: int, start: datetime, end: datetime) -> float:
    """Hours of approved hour-unit claims for work done in [start, end)."""
    tenths = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Claim.quantity_tenths), 0))
        .join(ActivityType, ActivityType.id == Claim.activity_type_id)
        .where(
            Claim.member_id == member_id,
            Claim.status == "approved",
            ActivityType.unit == "hour",
            Claim.occurred_on >= local_today(start),
            # The last local day [start, end) touches: a quarter ending at local midnight
            # stops the day before; a window ending now includes today.
            Claim.occurred_on <= local_today(end - timedelta(microseconds=1)),
        )
    )
    return int(tenths) / 10


def register_measures() -> None:
    members.register_measure("service_hours", approved_hours)


def service_totals(where, first: date, last: date) -> tuple[int, float]:
    """(members with an approved claim for work done on the local days first..last, the
    hours of those claims that count hours) for claims matching `where` (a condition on
    Claim): the rule of `approved_hours`, summed over everyone."""
    hours = sa.case((ActivityType.unit == "hour", Claim.quantity_tenths), else_=0)
    members_served, tenths = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Claim.member_id)),
                  sa.func.coalesce(sa.func.sum(hours), 0))
        .join(ActivityType, ActivityType.id == Claim.activity_type_id)
        .where(
            where,
            Claim.status == "approved",
            Claim.occurred_on >= first,
            Claim.occurred_on <= last,
        )
    ).one()
    return int(members_served), int(tenths) / 10
