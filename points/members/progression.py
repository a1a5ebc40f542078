"""The growth ladder's rules, as pure functions of facts about a member.

resident → volunteer: real-name details, the volunteer pledge, the basic training tier.
volunteer → talent: enough approved service hours in the last year (from approved claims,
    never the points balance) and a skill reviewed and approved by a social worker.
talent → host: an application with a programme proposal, all three training tiers, and a
    social worker's selection; the appointment takes effect after the public notice (公示).

Thresholds come from configuration (`LadderRules.from_config`); nothing here touches the
database, so the rules are tested without one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from points.members.models import LEVELS, TIERS


@dataclass(frozen=True)
class LadderRules:
    talent_min_hours: float = 20
    hours_window_days: int = 365
    notice_days: int = 5

    @classmethod
    def from_config(cls, config: Mapping) -> LadderRules:
        return cls(
            talent_min_hours=float(config.get("LADDER_TALENT_MIN_HOURS", cls.talent_min_hours)),
            hours_window_days=int(config.get("LADDER_HOURS_WINDOW_DAYS", cls.hours_window_days)),
            notice_days=int(config.get("LADDER_NOTICE_DAYS", cls.notice_days)),
        )


@dataclass(frozen=True)
class MemberFacts:
    """What the rules need to know; gathered by `services.member_facts`."""

    level: str
    real_name: bool = False
    pledged: bool = False
    tiers_done: frozenset[str] = field(default_factory=frozenset)
    # (tier, courses currently held, courses in the tier), for "1 of 2 courses".
    courses: tuple[tuple[str, int, int], ...] = ()
    service_hours: float = 0  # approved, within the rules' window
    approved_skill: bool = False
    application: str | None = None  # the latest host application's status


@dataclass(frozen=True)
class Requirement:
    code: str  # stable identifier, e.g. "service_hours"
    met: bool
    have: float | str | None = None
    need: float | str | None = None


@dataclass(frozen=True)
class Progress:
    level: str
    next_level: str | None
    requirements: tuple[Requirement, ...]

    @property
    def ready(self) -> bool:
        """Every requirement for the next level is met."""
        return self.next_level is not None and all(r.met for r in self.requirements)


def next_level(level: str) -> str | None:
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def _tier(facts: MemberFacts, tier: str) -> Requirement:
    counts = {t: (done, total) for t, done, total in facts.courses}
    done, total = counts.get(tier, (None, None))
    return Requirement(f"course_tier:{tier}", tier in facts.tiers_done, have=done, need=total)


def progress(facts: MemberFacts, rules: LadderRules) -> Progress:
    """What the member has and still needs for the next level."""
    target = next_level(facts.level)
    if target == "volunteer":
        needs = (
            Requirement("real_name", facts.real_name),
            Requirement("pledge", facts.pledged),
            _tier(facts, "basic"),
        )
    elif target == "talent":
        needs = (
            Requirement(
                "service_hours",
                facts.service_hours >= rules.talent_min_hours,
                have=facts.service_hours,
                need=rules.talent_min_hours,
            ),
            Requirement("approved_skill", facts.approved_skill),
        )
    elif target == "host":
        needs = (
            *(_tier(facts, tier) for tier in TIERS),
            Requirement(
                "host_application",
                facts.application in ("selected", "appointed"),
                have=facts.application,
            ),
        )
    else:
        needs = ()
    return Progress(level=facts.level, next_level=target, requirements=needs)


def automatic_promotion(facts: MemberFacts, rules: LadderRules) -> str | None:
    """The level the rules alone grant now, if any. Hosts are appointed, never automatic."""
    p = progress(facts, rules)
    if p.ready and p.next_level in ("volunteer", "talent"):
        return p.next_level
    return None
