"""Domain messages are English sentences; pages show them in the member's language.

Services raise PointsErrors with fixed English phrases (plus numbers); this table gives each
phrase's translation key, so a message like "must be at least 8 characters" reaches a
Chinese-speaking member as "至少 8 个字符".
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

_PATTERNS: list[tuple[re.Pattern[str], object]] = [
    (
        re.compile(r"^must be an 11-digit mainland mobile number$"),
        lambda m: _("Enter an 11-digit mainland mobile number, e.g. 13812345678."),
    ),
    (
        re.compile(r"^must be at least (\d+) characters$"),
        lambda m: _("Use at least %(n)s characters.", n=m.group(1)),
    ),
    (
        re.compile(r"^must be at most (\d+) characters$"),
        lambda m: _("Use at most %(n)s characters.", n=m.group(1)),
    ),
    (re.compile(r"^is required$"), lambda m: _("This is required.")),
    (
        re.compile(r"^is already registered; sign in instead$"),
        lambda m: _("This number is already registered. Sign in instead."),
    ),
    (
        re.compile(r"^wrong phone number or password$"),
        lambda m: _("Wrong phone number or password. Check both and try again."),
    ),
    (
        re.compile(r"^this account is (suspended|exited)$"),
        lambda m: _("This account is closed for now. Please contact your social worker."),
    ),
    (
        re.compile(r"^is not your current password$"),
        lambda m: _("That is not your current password."),
    ),
    (re.compile(r"^is not a community here$"), lambda m: _("Choose your community.")),
    (
        re.compile(r"^is not a grid of that community$"),
        lambda m: _("Choose a grid of your community."),
    ),
    (
        re.compile(r"^this member is not in your community$"),
        lambda m: _("This member is not in your community."),
    ),
    (
        re.compile(r"^only social workers and admins may do this$"),
        lambda m: _("Only social workers may do this."),
    ),
    (
        re.compile(r"^nobody reviews their own skill$"),
        lambda m: _("Someone else must review your own skill."),
    ),
    (
        re.compile(r"^nobody changes their own status$"),
        lambda m: _("Another social worker must change your own status."),
    ),
    (
        re.compile(r"^this skill was already (\w+)$"),
        lambda m: _("This skill has already been reviewed."),
    ),
    (
        re.compile(r"^the member is already (\w+)$"),
        lambda m: _("Nothing changed: the member already has that status."),
    ),
    (
        re.compile(r"^only community talents may apply to become hosts$"),
        lambda m: _("Only community talents may apply to become hosts."),
    ),
    (
        re.compile(r"^you already have an application in progress$"),
        lambda m: _("You already have an application in progress."),
    ),
    (
        re.compile(r"^nobody reviews their own application$"),
        lambda m: _("Another social worker must review your own application."),
    ),
    (
        re.compile(r"^this application is already (\w+)$"),
        lambda m: _("This application has already been decided."),
    ),
    (
        re.compile(r"^objections are taken only during the public notice$"),
        lambda m: _("The public notice has ended; objections are closed."),
    ),
    (
        re.compile(r"^nobody objects to their own application$"),
        lambda m: _("You cannot object to your own application."),
    ),
    (
        re.compile(r"^this objection is already (\w+)$"),
        lambda m: _("This objection has already been resolved."),
    ),
    (
        re.compile(r"^cannot appoint yet: .*$"),
        lambda m: _("Not yet: see what the appointment is waiting for."),
    ),
    (re.compile(r"^must be a quarter like 2026Q4$"), lambda m: _("Give the quarter like 2026Q4.")),
    (
        re.compile(r"^must not be a future quarter$"),
        lambda m: _("A quarter can be rated only once it has begun."),
    ),
    (
        re.compile(r"^only yellow and red quarters take an improvement note$"),
        lambda m: _("Only yellow and red quarters take an improvement note."),
    ),
    (
        re.compile(r"^not registered: (.+)$"),
        lambda m: _("These numbers are not registered: %(phones)s", phones=m.group(1)),
    ),
    (
        re.compile(r"^not in your community: (.+)$"),
        lambda m: _("These members are not in your community: %(phones)s", phones=m.group(1)),
    ),
    (
        re.compile(r"^attendance is recorded once the session has begun$"),
        lambda m: _("Attendance can be recorded once the session has begun."),
    ),
    (
        re.compile(r"^enter at least one phone number$"),
        lambda m: _("Enter at least one phone number."),
    ),
    (re.compile(r"^must be a date and time$"), lambda m: _("Enter a date and time.")),
    (
        re.compile(r"^is required \(at most 80 characters\)$"),
        lambda m: _("This is required (at most 80 characters)."),
    ),
    (re.compile(r"^choose a course$"), lambda m: _("Choose a course.")),
]


def translate_error(message: str) -> str:
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message
