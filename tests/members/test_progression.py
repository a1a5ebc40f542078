"""The ladder's rules, without a database."""

from __future__ import annotations

from points.members.progression import (
    LadderRules,
    MemberFacts,
    automatic_promotion,
    next_level,
    progress,
)

RULES = LadderRules()


def _codes(p):
    return {r.code: r.met for r in p.requirements}


def test_a_resident_needs_real_name_pledge_and_basic_training():
    p = progress(MemberFacts(level="resident"), RULES)
    assert p.next_level == "volunteer"
    assert _codes(p) == {"real_name": False, "pledge": False, "course_tier:basic": False}
    ready = MemberFacts(
        level="resident", real_name=True, pledged=True, tiers_done=frozenset({"basic"})
    )
    assert automatic_promotion(ready, RULES) == "volunteer"
    no_course = MemberFacts(level="resident", real_name=True, pledged=True)
    assert automatic_promotion(no_course, RULES) is None


def test_a_volunteer_needs_hours_in_the_window_and_a_reviewed_skill():
    almost = MemberFacts(level="volunteer", service_hours=19.5, approved_skill=True)
    p = progress(almost, RULES)
    hours = next(r for r in p.requirements if r.code == "service_hours")
    assert (hours.met, hours.have, hours.need) == (False, 19.5, 20)
    assert automatic_promotion(almost, RULES) is None
    enough = MemberFacts(level="volunteer", service_hours=20, approved_skill=True)
    assert automatic_promotion(enough, RULES) == "talent"
    assert automatic_promotion(MemberFacts(level="volunteer", service_hours=50), RULES) is None


def test_the_hours_threshold_comes_from_configuration():
    rules = LadderRules.from_config({"LADDER_TALENT_MIN_HOURS": "8", "LADDER_NOTICE_DAYS": 7})
    assert (rules.talent_min_hours, rules.notice_days) == (8.0, 7)
    facts = MemberFacts(level="volunteer", service_hours=8, approved_skill=True)
    assert automatic_promotion(facts, rules) == "talent"


def test_a_host_is_never_made_by_the_rules_alone():
    everything = MemberFacts(
        level="talent",
        tiers_done=frozenset({"basic", "specialised", "leadership"}),
        application="selected",
    )
    p = progress(everything, RULES)
    assert p.ready and p.next_level == "host"
    assert automatic_promotion(everything, RULES) is None


def test_a_talent_needs_all_three_tiers_and_a_selected_application():
    p = progress(
        MemberFacts(level="talent", tiers_done=frozenset({"basic"}), application="submitted"), RULES
    )
    assert _codes(p) == {
        "course_tier:basic": True,
        "course_tier:specialised": False,
        "course_tier:leadership": False,
        "host_application": False,
    }


def test_a_host_is_at_the_top():
    p = progress(MemberFacts(level="host"), RULES)
    assert (p.next_level, p.requirements, p.ready) == (None, (), False)
    assert next_level("resident") == "volunteer"
