"""Members' API shapes. Input schemas refuse unknown fields."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from points.ledger.models import ASSETS
from points.members.assessment import UNITS


class RegisterRequest(Schema):
    class Meta:
        unknown = RAISE

    phone = fields.String(required=True, metadata={"example": "13812345678"})
    password = fields.String(
        load_default=None,
        allow_none=True,
        load_only=True,
        metadata={
            "example": "demo1234",
            "description": "optional: without one the member signs in with an SMS code "
            "(POST /api/v1/auth/code, then POST /api/v1/auth/token with `code`)",
        },
    )
    name = fields.String(required=True, metadata={"example": "王阿姨"})
    community_id = fields.Integer(load_default=None, allow_none=True)
    grid_id = fields.Integer(load_default=None, allow_none=True)


class TokenRequest(Schema):
    """Sign in with the phone and either the password or an SMS code (exactly one)."""

    class Meta:
        unknown = RAISE

    phone = fields.String(required=True)
    password = fields.String(
        load_default=None, load_only=True, metadata={"description": "the password, or give `code`"}
    )
    code = fields.String(
        load_default=None,
        load_only=True,
        metadata={
            "example": "123456",
            "description": "the 6 digits of a sign-in SMS (POST /api/v1/auth/code), "
            "instead of `password`",
        },
    )


class CodeRequest(Schema):
    class Meta:
        unknown = RAISE

    phone = fields.String(required=True, metadata={"example": "13812345678"})
    purpose = fields.String(
        load_default="sign_in",
        metadata={
            "enum": ["sign_in", "reset"],
            "description": "`sign_in` (the default) or `reset` (a new password)",
        },
    )


class CodeSentOut(Schema):
    """The same answer whether the number has an account or not."""

    minutes = fields.Integer(
        metadata={"description": "how long a code sent to the number is valid", "example": 5}
    )


class PasswordResetRequest(Schema):
    class Meta:
        unknown = RAISE

    phone = fields.String(required=True)
    code = fields.String(
        required=True, load_only=True, metadata={"description": "the 6 digits of a reset SMS"}
    )
    new_password = fields.String(required=True, load_only=True)


class CommunityOut(Schema):
    id = fields.Integer()
    name = fields.String()


class PlaceGridOut(CommunityOut):
    name_en = fields.String(metadata={"description": "the grid's English name; empty if none"})


class PlaceOut(Schema):
    """A community with its grids, to choose from when signing up."""

    id = fields.Integer()
    name = fields.String()
    name_en = fields.String(metadata={"description": "the English name; empty if none"})
    grids = fields.List(fields.Nested(PlaceGridOut))


class MemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    level = fields.String(metadata={"enum": ["resident", "volunteer", "talent", "host"]})
    status = fields.String()
    roles = fields.List(fields.String(), attribute="role_names")
    merchant_ids = fields.List(fields.Integer())
    community = fields.Nested(CommunityOut, allow_none=True)
    grid = fields.Nested(CommunityOut, allow_none=True)
    elder_mode = fields.Boolean(metadata={"description": "长辈版: larger type and targets"})


class JSONBoolean(fields.Boolean):
    """true or false as JSON writes them; 1, "yes" and the like are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class MeUpdate(Schema):
    """What a member may change of their own settings here."""

    class Meta:
        unknown = RAISE

    elder_mode = JSONBoolean(required=True)


class TokenOut(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    member = fields.Nested(MemberOut)


class RequirementOut(Schema):
    code = fields.String()
    met = fields.Boolean()
    have = fields.Raw(allow_none=True)
    need = fields.Raw(allow_none=True)


class ProgressOut(Schema):
    level = fields.String()
    next_level = fields.String(allow_none=True)
    ready = fields.Boolean()
    requirements = fields.List(fields.Nested(RequirementOut))


class AssetBalance(Schema):
    balance = fields.Integer()
    held = fields.Integer()
    available = fields.Integer()


class BalanceOut(Schema):
    points = fields.Nested(AssetBalance)
    space_minutes = fields.Nested(AssetBalance)


class StatementQuery(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=50, metadata={"description": "1 to 200"})
    cursor = fields.String(load_default=None, metadata={"description": "a `next_cursor` given"})
    asset = fields.String(load_default="points", validate=validate.OneOf(ASSETS))


class StatementActivityOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    version = fields.Integer()


class StatementItemOut(Schema):
    transfer_id = fields.Integer()
    kind = fields.String()
    amount = fields.Integer()
    balance_after = fields.Integer()
    memo = fields.String()
    created_at = fields.DateTime()
    reverses_id = fields.Integer(allow_none=True)
    claim_id = fields.Integer(allow_none=True, metadata={"description": "the claim it paid"})
    activity = fields.Nested(StatementActivityOut, allow_none=True)


class StatementOut(Schema):
    items = fields.List(fields.Nested(StatementItemOut))
    next_cursor = fields.String(allow_none=True)


register_request_schema = RegisterRequest()
token_request_schema = TokenRequest()
member_schema = MemberOut()


# ---------------------------------------------------------------- host assessment (三色预警)


class FindingOut(Schema):
    code = fields.String()
    value = fields.Float(allow_none=True, metadata={"description": "null: not measured yet"})
    colour = fields.String(metadata={"enum": ["green", "yellow", "red", "unrated"]})
    green = fields.Float(allow_none=True, metadata={"description": "the green threshold"})
    yellow = fields.Float(allow_none=True)
    better = fields.String(metadata={"enum": ["higher", "lower"]})
    unit = fields.String(
        metadata={
            "enum": sorted(set(UNITS.values())),
            "description": "what value, thresholds and gap count: hours, sessions, share (a "
            "fraction: 0.25 is 25 %), rating (on the 1–5 scale), complaints",
        }
    )
    gap = fields.Float(
        allow_none=True,
        metadata={
            "description": "what would lift it: how much more (better higher) or less (better "
            "lower) reaches green, in `unit`; null when green or not measured",
            "example": 3,
        },
    )


class ScorecardOut(Schema):
    id = fields.Integer(allow_none=True)
    member_id = fields.Integer()
    quarter = fields.String(metadata={"example": "2026Q3"})
    status = fields.String(metadata={"enum": ["preview", "draft", "published"]})
    colour = fields.String(metadata={"enum": ["green", "yellow", "red", "unrated"]})
    findings = fields.List(fields.Nested(FindingOut), attribute="rated_findings")
    days_rated = fields.Integer(allow_none=True)
    days_in_quarter = fields.Integer(allow_none=True)
    improvement_note = fields.String()
    published_at = fields.DateTime(allow_none=True)


class HostQuarterOut(Schema):
    member_id = fields.Function(lambda hq: hq.member.id)
    name = fields.Function(lambda hq: hq.member.name)
    level = fields.Function(lambda hq: hq.member.level)
    rated = fields.Boolean(metadata={"description": "held the role at least half the quarter"})
    host_since = fields.DateTime(attribute="since")
    days_held = fields.Integer()
    days_in_quarter = fields.Integer()
    scorecard = fields.Nested(ScorecardOut, allow_none=True)


class DemotionOut(Schema):
    member_id = fields.Function(lambda d: d[0].id)
    name = fields.Function(lambda d: d[0].name)
    other_red_quarter = fields.Function(lambda d: d[1])


class SummaryOut(Schema):
    quarter = fields.String()
    hosts = fields.Integer()
    colours = fields.Dict(keys=fields.String(), values=fields.Integer())
    demotions = fields.List(fields.Nested(DemotionOut))
    confirmed = fields.String(
        attribute="token", metadata={"description": "send back to publish exactly this"}
    )


class PublishRequest(Schema):
    class Meta:
        unknown = RAISE

    confirmed = fields.String(
        required=True, metadata={"description": "`confirmed` of the summary you were shown"}
    )


class CancelledBookingOut(Schema):
    """A future booking a loss of level or status cancelled, with all it cost given back."""

    booking = fields.Integer(metadata={"description": "the booking's id"})
    space = fields.String(metadata={"description": "the space's name (Chinese)"})
    start = fields.String(metadata={"format": "date-time", "example": "2026-12-08T01:00:00+00:00"})
    refunded_points = fields.Integer()
    refunded_minutes = fields.Integer(metadata={"description": "space minutes"})


class KeptMinutesOut(Schema):
    balance = fields.Integer(metadata={"description": "space minutes left in the wallet"})
    rule = fields.String(metadata={"enum": ["kept"]})


class ConsequencesOut(Schema):
    """What a loss of level or status did (the same on every path: exit, suspension,
    demotion): the bookings it cancelled, the waits it ended, the space minutes kept."""

    bookings = fields.List(fields.Nested(CancelledBookingOut))
    waits_withdrawn = fields.Integer()
    space_minutes = fields.Nested(KeptMinutesOut)


class LevelChangeOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    from_level = fields.String()
    to_level = fields.String()
    from_status = fields.String()
    to_status = fields.String()
    reason = fields.String()
    decided_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    consequences = fields.Nested(
        ConsequencesOut,
        allow_none=True,
        metadata={"description": "null unless the change took a level or active status away"},
    )
    reverses_id = fields.Integer(allow_none=True)


class PublishOut(Schema):
    published = fields.List(fields.Nested(ScorecardOut))
    demoted = fields.List(fields.Nested(LevelChangeOut))


class ReverseRequest(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True)


# ---------------------------------------------------------------------------- training


class PledgeRequest(Schema):
    class Meta:
        unknown = RAISE

    real_name = fields.String(required=True, metadata={"example": "陈小明"})


class CourseOut(Schema):
    code = fields.String()
    tier = fields.String(metadata={"enum": ["basic", "specialised", "leadership"]})
    name_zh = fields.String()
    name_en = fields.String()
    hours = fields.Integer()


class SessionOut(Schema):
    """A training session as the caller sees it."""

    id = fields.Integer(attribute="session.id")
    course = fields.Nested(CourseOut, attribute="session.course")
    community = fields.Nested(CommunityOut, attribute="session.community")
    starts_at = fields.DateTime(attribute="session.starts_at")
    place = fields.String(attribute="session.place")
    capacity = fields.Integer(attribute="session.capacity")
    seats_left = fields.Integer()
    signed_up = fields.Boolean(metadata={"description": "the caller holds a seat"})
    attended = fields.Boolean(metadata={"description": "the caller is on the attendance list"})


class ScheduleRequest(Schema):
    class Meta:
        unknown = RAISE

    course = fields.String(required=True, metadata={"example": "basic-etiquette"})
    starts_at = fields.String(required=True, metadata={"example": "2026-12-12T09:30:00+08:00"})
    place = fields.String(required=True, metadata={"example": "云溪社区党群服务中心二楼"})
    capacity = fields.Integer(load_default=30, strict=True)
    community_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class CourseSignupOut(Schema):
    session_id = fields.Integer()
    status = fields.String(metadata={"enum": ["signed_up", "cancelled"]})
    created_at = fields.DateTime()


class RosterEntryOut(Schema):
    member_id = fields.Integer()
    name = fields.String(attribute="member.name")
    phone = fields.String(metadata={"description": "masked: 139****0004"})
    attended = fields.Boolean()


class AttendanceRequest(Schema):
    class Meta:
        unknown = RAISE

    member_ids = fields.List(fields.Integer(strict=True), load_default=list)
    phones = fields.List(fields.String(), load_default=list)


class AttendanceOut(Schema):
    recorded = fields.List(fields.Nested(MemberOut), metadata={"description": "newly recorded"})
    roster = fields.List(fields.Nested(RosterEntryOut))


class AssignCommunityRequest(Schema):
    class Meta:
        unknown = RAISE

    community_id = fields.Integer(required=True, strict=True)
    grid_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    reason = fields.String(load_default="")


# ---------------------------------------------------------------------------- skills, hosting


class StaffListMemberOut(Schema):
    """A member as staff lists show them: the phone masked (139****0004)."""

    id = fields.Integer()
    name = fields.String()
    level = fields.String()
    status = fields.String()
    phone = fields.Method("_masked")

    def _masked(self, member) -> str:
        from points.members.services import masked_phone

        return masked_phone(member.phone)


class SkillRequest(Schema):
    class Meta:
        unknown = RAISE

    category = fields.String(required=True, metadata={"example": "瑜伽"})
    description = fields.String(required=True, metadata={"example": "每周教中老年居民瑜伽"})


class SkillOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    category = fields.String()
    description = fields.String()
    status = fields.String(metadata={"enum": ["declared", "approved", "rejected"]})
    review_note = fields.String()
    reviewed_by = fields.Integer(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class SkillQueueOut(SkillOut):
    member = fields.Nested(StaffListMemberOut)


class SkillQueueQuery(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(
        load_default="declared",
        validate=validate.OneOf(["declared", "approved", "rejected"]),
    )


class SkillReviewRequest(Schema):
    class Meta:
        unknown = RAISE

    approve = fields.Boolean(required=True)
    note = fields.String(load_default="", metadata={"description": "required when rejecting"})


class ApplicationRequest(Schema):
    class Meta:
        unknown = RAISE

    programme_title = fields.String(required=True, metadata={"example": "晨间瑜伽"})
    proposal = fields.String(required=True)


class ObjectionOut(Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    lodged_by = fields.Integer()
    reason = fields.String()
    status = fields.String(metadata={"enum": ["open", "upheld", "dismissed"]})
    created_at = fields.DateTime()
    resolved_by = fields.Integer(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String()


class ApplicationOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    community_id = fields.Integer(allow_none=True)
    programme_title = fields.String()
    proposal = fields.String()
    status = fields.String(
        metadata={"enum": ["submitted", "selected", "declined", "appointed", "withdrawn"]}
    )
    created_at = fields.DateTime()
    reviewed_by = fields.Integer(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String()
    notice_ends_at = fields.DateTime(allow_none=True)
    appointed_at = fields.DateTime(allow_none=True)


class StaffApplicationOut(ApplicationOut):
    member = fields.Nested(StaffListMemberOut)
    objections = fields.List(fields.Nested(ObjectionOut))
    blockers = fields.List(
        fields.String(), metadata={"description": "what still stands before the appointment"}
    )


class NoticeOut(Schema):
    """A public notice (公示): who is proposed as host, for what, until when."""

    id = fields.Integer()
    applicant = fields.String(attribute="member.name")
    programme_title = fields.String()
    proposal = fields.String()
    community_id = fields.Integer(allow_none=True)
    notice_ends_at = fields.DateTime()


class ApplicationQueueQuery(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(
        load_default="submitted",
        validate=validate.OneOf(["submitted", "selected", "declined", "appointed", "withdrawn"]),
    )


class ApplicationReviewRequest(Schema):
    class Meta:
        unknown = RAISE

    select = fields.Boolean(required=True)
    reason = fields.String(load_default="", metadata={"description": "required when declining"})


class ObjectionRequest(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True)


class ResolveObjectionRequest(Schema):
    class Meta:
        unknown = RAISE

    uphold = fields.Boolean(
        load_default=False, metadata={"description": "true: the application is declined"}
    )
    note = fields.String(required=True)


class StatusRequest(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(
        required=True, validate=validate.OneOf(["active", "suspended", "exited"])
    )
    reason = fields.String(required=True)


class MemberRecordOut(Schema):
    """A member's record for the staff who manage them: the full phone (each look recorded)."""

    member = fields.Nested(MemberOut)
    phone = fields.String()
    progress = fields.Nested(ProgressOut)
    history = fields.List(fields.Nested(LevelChangeOut))
    skills = fields.List(fields.Nested(SkillOut))


# ---------------------------------------------------------------------------- helpers (代办)


class OnBehalfOut(Schema):
    """Who did this for the member (代办): a helper, or a social worker at the counter."""

    id = fields.Integer(attribute="acted_by")
    name = fields.Function(lambda row: row.actor.name)
    at_counter = fields.Function(
        lambda row: row.helper_grant_id is None,
        metadata={"description": "a social worker at the counter, the member there in person"},
    )


def on_behalf_of(row):
    """A claim's or voucher's OnBehalfOut, or None when the member did it themselves."""
    return OnBehalfOut().dump(row) if row.acted_by else None


ON_BEHALF_FIELD_DOC = {
    "type": "object",
    "nullable": True,
    "description": "who did this for the member (代办); null when they did it themselves",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "at_counter": {"type": "boolean"},
    },
}


class GrantPersonOut(Schema):
    id = fields.Integer()
    name = fields.String()


class HelperGrantOut(Schema):
    id = fields.Integer()
    resident = fields.Nested(GrantPersonOut)
    helper = fields.Nested(GrantPersonOut)
    scopes = fields.List(fields.String(metadata={"enum": ["balance", "claim", "redeem", "book"]}))
    ends_on = fields.Date(metadata={"description": "the last day the helper may act"})
    witnessed = fields.Boolean(
        metadata={"description": "recorded by a social worker who witnessed consent in person"}
    )
    granted_by = fields.Integer()
    created_at = fields.DateTime()
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_by = fields.Integer(allow_none=True)


class HelperGrantsOut(Schema):
    mine = fields.List(
        fields.Nested(HelperGrantOut), metadata={"description": "my helpers (as resident)"}
    )
    helping = fields.List(
        fields.Nested(HelperGrantOut), metadata={"description": "the people I help"}
    )


class HelperGrantRequest(Schema):
    class Meta:
        unknown = RAISE

    helper_phone = fields.String(required=True, metadata={"example": "13900000011"})
    scopes = fields.List(
        fields.String(validate=validate.OneOf(["balance", "claim", "redeem", "book"])),
        required=True,
        validate=validate.Length(1, 4),
    )
    ends_on = fields.Date(required=True, metadata={"example": "2027-06-30"})
