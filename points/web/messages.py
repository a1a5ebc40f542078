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
        re.compile(r"^is not a category of the catalogue$"),
        lambda m: _("There is no such category. Choose one from the list."),
    ),
    (
        re.compile(r"^must be active, suspended or exited$"),
        lambda m: _("Choose a status from the list."),
    ),
    (
        re.compile(r"^is not a merchant of the marketplace$"),
        lambda m: _("There is no such merchant. Choose one from the list."),
    ),
    (
        re.compile(r"^must not contain (control characters|a NUL character)$"),
        lambda m: _("Remove the invisible control characters (such as NUL) and send it again."),
    ),
    (
        re.compile(r"^must not be one character repeated$"),
        lambda m: _("Do not use one character over and over."),
    ),
    (
        re.compile(r"^must not contain your mobile number$"),
        lambda m: _("Do not put your mobile number in your password."),
    ),
    (
        re.compile(r"^is one of the most common passwords: choose another$"),
        lambda m: _("Many people use this password, so it is easy to guess. Choose another."),
    ),
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
        re.compile(r"^tick a member or enter a phone number$"),
        lambda m: _("Tick the members who came, or enter a walk-in's phone number."),
    ),
    (
        re.compile(r"^no such member: (.+)$"),
        lambda m: _("These members were not found: %(ids)s", ids=m.group(1)),
    ),
    (re.compile(r"^must be member ids$"), lambda m: _("Tick members from the list.")),
    (re.compile(r"^no such session$"), lambda m: _("That training session was not found.")),
    (
        re.compile(r"^this session has already begun$"),
        lambda m: _("This session has already begun: seats can no longer be taken or freed."),
    ),
    (
        re.compile(r"^you have not signed up for this session$"),
        lambda m: _("You have not signed up for this session."),
    ),
    (
        re.compile(r"^only the street admin assigns members to a community$"),
        lambda m: _("Only the street admin assigns members to a community."),
    ),
    (
        re.compile(r"^the member is already there$"),
        lambda m: _("The member is already in that community."),
    ),
    (re.compile(r"^must be a date and time$"), lambda m: _("Enter a date and time.")),
    (
        re.compile(r"^is required \(at most 80 characters\)$"),
        lambda m: _("This is required (at most 80 characters)."),
    ),
    (re.compile(r"^choose a course$"), lambda m: _("Choose a course.")),
    # earning
    (
        re.compile(r"^is not an activity type of the catalogue$"),
        lambda m: _("Choose an activity from the list."),
    ),
    (
        re.compile(r"^is no longer open for claims$"),
        lambda m: _("This activity is no longer open for claims."),
    ),
    (
        re.compile(r"^this activity needs level (\w+) or above$"),
        lambda m: _("This activity is for %(level)s and above.", level=_level(m.group(1))),
    ),
    (re.compile(r"^cannot be in the future$"), lambda m: _("The date cannot be in the future.")),
    (
        re.compile(r"^must be within the last (\d+) days$"),
        lambda m: _("Claim within %(n)s days of the work.", n=m.group(1)),
    ),
    (
        re.compile(r"^must be a date like 2026-05-01$"),
        lambda m: _("Enter a date like 2026-05-01."),
    ),
    (re.compile(r"^must be a number$"), lambda m: _("Enter a number, e.g. 2 or 1.5.")),
    (
        re.compile(r"^must be between 0\.5 and 24 hours, in half hours$"),
        lambda m: _("Enter hours from 0.5 to 24, in half hours (e.g. 1.5)."),
    ),
    (
        re.compile(r"^must be a whole number from 1 to (\d+)$"),
        lambda m: _("Enter a whole number from 1 to %(n)s.", n=m.group(1)),
    ),
    (
        re.compile(r"^this activity needs a photo as evidence$"),
        lambda m: _("This activity needs a photo: add one taken at the work."),
    ),
    (re.compile(r"^must be a JPEG or PNG photo$"), lambda m: _("Upload a JPEG or PNG photo.")),
    (
        re.compile(r"^cannot be read as a photo$"),
        lambda m: _("This photo could not be read. Take it again or choose another."),
    ),
    (
        re.compile(r"^must be at most (\d+) megapixels$"),
        lambda m: _("The photo has too many pixels: at most %(n)s megapixels.", n=m.group(1)),
    ),
    (
        re.compile(r"^must be at most (\d+) MB$"),
        lambda m: _("The photo is too large: at most %(n)s MB.", n=m.group(1)),
    ),
    (
        re.compile(r"^this photo already backs another claim$"),
        lambda m: _("This photo was already used for another claim."),
    ),
    (
        re.compile(
            r"^daily cap of (\d+) points for this activity reached: (\d+) already .*adds (\d+)$"
        ),
        lambda m: _(
            "Daily limit reached: at most %(cap)s points a day for this activity; %(had)s "
            "already awarded that day, this claim adds %(adds)s.",
            cap=m.group(1),
            had=m.group(2),
            adds=m.group(3),
        ),
    ),
    (
        re.compile(
            r"^monthly cap of (\d+) points for this activity reached: (\d+) already .*adds (\d+)$"
        ),
        lambda m: _(
            "Monthly limit reached: at most %(cap)s points a month for this activity; %(had)s "
            "already awarded that month, this claim adds %(adds)s.",
            cap=m.group(1),
            had=m.group(2),
            adds=m.group(3),
        ),
    ),
    (
        re.compile(r"^nobody approves their own claim$"),
        lambda m: _("Another social worker must approve your own claim."),
    ),
    (
        re.compile(r"^this activity type is approved by the street admin$"),
        lambda m: _("The street admin approves this kind of activity."),
    ),
    (
        re.compile(r"^this claim is already (\w+)$"),
        lambda m: _("This claim has already been decided."),
    ),
    (
        re.compile(r"^only an approved claim can be reversed; this one is (\w+)$"),
        lambda m: _("Only an approved claim can be reversed."),
    ),
    (re.compile(r"^no such claim$"), lambda m: _("That claim was not found.")),
    (re.compile(r"^choose at least one claim$"), lambda m: _("Tick the claims to approve first.")),
    (
        re.compile(r"^only hosts and social workers organise activities$"),
        lambda m: _("Only community hosts and social workers organise activities."),
    ),
    (
        re.compile(r"^all (\d+) places are taken$"),
        lambda m: _("All %(n)s places are taken.", n=m.group(1)),
    ),
    (re.compile(r"^this activity has ended$"), lambda m: _("This activity has ended.")),
    (re.compile(r"^this activity is (?:already )?(\w+)$"), lambda m: _("This activity is closed.")),
    (
        re.compile(r"^the activity has not ended yet$"),
        lambda m: _("Close the activity after it has ended."),
    ),
    (
        re.compile(r"^you have not signed up for this activity$"),
        lambda m: _("You have not signed up for this activity."),
    ),
    (re.compile(r"^you have already checked in$"), lambda m: _("You have already checked in.")),
    (
        re.compile(r"^this check-in code has expired.*$"),
        lambda m: _("This code has expired. Scan the code on the organiser's screen again."),
    ),
    (
        re.compile(r"^this check-in code is not valid$"),
        lambda m: _("This is not a valid check-in code. Scan the organiser's code again."),
    ),
    (
        re.compile(r"^check-in opens (\d+) minutes before the start and closes .*$"),
        lambda m: _(
            "Check-in opens %(n)s minutes before the start and closes %(n)s minutes after the end.",
            n=m.group(1),
        ),
    ),
    (
        re.compile(r"^must be after the start$"),
        lambda m: _("The end must be after the start."),
    ),
    (
        re.compile(r"^an activity lasts at most 12 hours$"),
        lambda m: _("An activity lasts at most 12 hours."),
    ),
    (re.compile(r"^cannot be in the past$"), lambda m: _("The start cannot be in the past.")),
    (
        re.compile(r"^must be within a year from now$"),
        lambda m: _("Schedule activities up to a year ahead."),
    ),
    (
        re.compile(r"^must be a whole number from 1 to 1000$"),
        lambda m: _("Enter a whole number from 1 to 1000."),
    ),
    (
        re.compile(r"^you need a community to organise in$"),
        lambda m: _("Choose your community on your profile first."),
    ),
    (
        re.compile(r"^only the organiser or a social worker of its community may do this$"),
        lambda m: _("Only the organiser or a social worker of this community may do this."),
    ),
    (
        re.compile(r"^no such member in this activity's community$"),
        lambda m: _("That member is not in this activity's community."),
    ),
    (re.compile(r"^this account is not active$"), lambda m: _("This account is closed for now.")),
    # spending
    (
        re.compile(r"^type the 9-character code on the voucher$"),
        lambda m: _("Type the 9 letters and digits on the voucher, e.g. ABC-DEF-GHJ."),
    ),
    (
        re.compile(r"^no voucher with this code here; check the code$"),
        lambda m: _("No voucher of yours has this code. Check the letters and try again."),
    ),
    (
        re.compile(r"^already confirmed at (.+ UTC) by (.+)$"),
        lambda m: _(
            "Already used: confirmed at %(time)s by %(name)s.",
            time=_local(m.group(1)),
            name=m.group(2) if m.group(2) != "the system" else _("the system"),
        ),
    ),
    (
        re.compile(r"^this voucher was cancelled at (.+ UTC)$"),
        lambda m: _("This voucher was cancelled at %(time)s.", time=_local(m.group(1))),
    ),
    (
        re.compile(r"^this voucher expired at (.+ UTC)$"),
        lambda m: _("This voucher expired at %(time)s.", time=_local(m.group(1))),
    ),
    (
        re.compile(r"^this voucher was already used and cannot be cancelled$"),
        lambda m: _("This voucher was already used, so it cannot be cancelled."),
    ),
    (re.compile(r"^sold out: no stock left$"), lambda m: _("Sold out: none left.")),
    (
        re.compile(r"^limit reached: (\d+) per (\w+) per member, you have (\d+)$"),
        lambda m: _(
            "You have reached the limit for this benefit: %(limit)s per member (%(period)s).",
            limit=m.group(1),
            period=_period(m.group(2)),
        ),
    ),
    (
        re.compile(r"^this benefit needs level (\w+) or above$"),
        lambda m: _("This benefit is for %(level)s and above.", level=_level(m.group(1))),
    ),
    (
        re.compile(r"^this benefit opens on (\S+)$"),
        lambda m: _("This benefit opens on %(date)s.", date=m.group(1)),
    ),
    (
        re.compile(r"^this benefit closed on (\S+)$"),
        lambda m: _("This benefit closed on %(date)s.", date=m.group(1)),
    ),
    (re.compile(r"^no such benefit$"), lambda m: _("That benefit was not found.")),
    (re.compile(r"^no such voucher$"), lambda m: _("That voucher was not found.")),
    (re.compile(r"^must be a month like 2026-11$"), lambda m: _("Give the month like 2026-11.")),
    (
        re.compile(r"^only a merchant's staff (?:confirm its vouchers|see its vouchers)$"),
        lambda m: _("Only the merchant's own staff can do this."),
    ),
    (
        re.compile(r"^only (\d+) points? available, (\d+) needed$"),
        lambda m: _(
            "Not enough points: %(have)s available, %(need)s needed.",
            have=m.group(1),
            need=m.group(2),
        ),
    ),
]


# Shared space: booking, changes, check-in and the waiting list.
_PATTERNS += [
    (
        re.compile(r"^this time is already booked$"),
        lambda m: _("This time is already booked. Choose a free time, or join the waiting list."),
    ),
    (
        re.compile(r"^is too soon: book at least (\d+) minutes ahead$"),
        lambda m: _("Too soon: book at least %(n)s minutes ahead.", n=m.group(1)),
    ),
    (
        re.compile(r"^is too far ahead: at most (\d+) days$"),
        lambda m: _("Too far ahead: book at most %(n)s days ahead.", n=m.group(1)),
    ),
    (
        re.compile(r"^must be on a (\d+)-minute boundary$"),
        lambda m: _("Choose a time on the %(n)s-minute marks.", n=m.group(1)),
    ),
    (re.compile(r"^must be after the start$"), lambda m: _("The end must be after the start.")),
    (
        re.compile(r"^a booking stays within one day$"),
        lambda m: _("A booking starts and ends on the same day."),
    ),
    (
        re.compile(r"^is outside the space's opening hours$"),
        lambda m: _("The space is not open then. See the week page for its hours."),
    ),
    (
        re.compile(r"^the space is closed that day \((.+)\)$"),
        lambda m: _("The space is closed that day (%(reason)s).", reason=m.group(1)),
    ),
    (
        re.compile(
            r"^would pass your weekly quota of (\d+) hours "
            r"\(already booked that week: (\S+) hours\)$"
        ),
        lambda m: _(
            "This would pass your weekly quota of %(quota)s hours "
            "(you have %(used)s hours booked that week).",
            quota=m.group(1),
            used=m.group(2),
        ),
    ),
    (
        re.compile(r"^this space is booked by level (\w+) or above$"),
        lambda m: _("This space is for %(level)s and above.", level=_level(m.group(1))),
    ),
    (
        re.compile(r"^must be one of free, low_fee, market$"),
        lambda m: _("Choose 公益, 低偿 or 市场."),
    ),
    (
        re.compile(r"^must be from 0 to (\d+)$"),
        lambda m: _("Enter a number from 0 to %(n)s.", n=m.group(1)),
    ),
    (
        re.compile(r"^must be within the booking window$"),
        lambda m: _("Choose a time within the next few weeks."),
    ),
    (
        re.compile(r"^this (booking|offer) is (\w+)$"),
        lambda m: _(
            "This can no longer be done: the booking is now “%(status)s”.",
            status=_booking_status(m.group(2)),
        ),
    ),
    (
        re.compile(r"^this booking has begun and can no longer be (?:cancelled|changed)$"),
        lambda m: _("This booking has begun, so it can no longer be cancelled or changed."),
    ),
    (
        re.compile(r"^this booking's time has passed; it can no longer be approved$"),
        lambda m: _("This booking's time has passed; it can no longer be approved."),
    ),
    (
        re.compile(r"^check-in opens at (.+ UTC)$"),
        lambda m: _("Check-in opens at %(time)s. Come back then.", time=_local(m.group(1))),
    ),
    (
        re.compile(r"^check-in for this booking has closed$"),
        lambda m: _("Check-in for this booking has closed. Ask the social worker on duty."),
    ),
    (
        re.compile(r"^you have no booking of this space to check in to now$"),
        lambda m: _(
            "You have no booking here to check in to now. Check-in opens 15 minutes "
            "before the start; see My bookings."
        ),
    ),
    (
        re.compile(r"^is not this platform's check-in code$"),
        lambda m: _("This is not a check-in code of ours. Scan the code at the door."),
    ),
    (
        re.compile(r"^this time is free: book it instead of waiting$"),
        lambda m: _("This time is free: book it instead of waiting."),
    ),
    (
        re.compile(r"^you are already waiting for this time$"),
        lambda m: _("You are already on the waiting list for this time."),
    ),
    (re.compile(r"^this offer has lapsed$"), lambda m: _("This offer has lapsed.")),
    (re.compile(r"^no such offer$"), lambda m: _("That offer was not found.")),
    (re.compile(r"^no such booking$"), lambda m: _("That booking was not found.")),
    (re.compile(r"^no such space$"), lambda m: _("That space was not found.")),
    (
        re.compile(r"^this space is not in your community$"),
        lambda m: _("This space is not in your community."),
    ),
    (re.compile(r"^choose a time from the list$"), lambda m: _("Choose a time from the list.")),
    (
        re.compile(r"^must be a date like 2026-12-01$"),
        lambda m: _("Enter a date like 2026-12-01."),
    ),
    (
        re.compile(r"^these weeks cannot be booked: .+$"),
        lambda m: _(
            "Some weeks cannot be booked, so nothing was booked. Tick “book the "
            "others anyway” or choose another time."
        ),
    ),
    (
        re.compile(r"^(\d{4}Q[1-4]) has not ended yet: it can be rated from (\S+); .+$"),
        lambda m: _(
            "%(quarter)s has not ended yet: it can be rated from %(date)s. Until then, look "
            "at the preview, which records nothing.",
            quarter=m.group(1),
            date=m.group(2),
        ),
    ),
    (re.compile(r"^must be a quarter like 2026Q4$"), lambda m: _("Enter a quarter like 2026Q4.")),
    (re.compile(r"^must not be a future quarter$"), lambda m: _("That quarter has not begun.")),
    (
        re.compile(r"^there is no draft for (\S+) to publish: rate it first$"),
        lambda m: _(
            "There is no draft for %(quarter)s to publish: rate it first.", quarter=m.group(1)
        ),
    ),
    (
        re.compile(r"^the drafts changed since the confirmation was shown: look again$"),
        lambda m: _(
            "The drafts changed after the confirmation was shown. Nothing was published: "
            "look again."
        ),
    ),
    (
        re.compile(r"^only an administrator reverses a demotion$"),
        lambda m: _("Only an administrator can reverse a demotion."),
    ),
    (
        re.compile(r"^a demotion is reversed once, within (\d+) days$"),
        lambda m: _("A demotion can be reversed once, within %(n)s days.", n=m.group(1)),
    ),
    (
        re.compile(r"^the member's level or status has changed since$"),
        lambda m: _("The member's level or status has changed since; nothing was reversed."),
    ),
    (
        re.compile(r"^only a demotion can be reversed$"),
        lambda m: _("Only a demotion can be reversed."),
    ),
    (
        re.compile(r"^(\d{4}-\d\d-\d\d): (.+)$"),
        lambda m: f"{m.group(1)}: {translate_error(m.group(2))}",
    ),
    # Last: any other list of allowed codes (filters such as ?status=).
    (
        re.compile(r"^must be one of (.+)$"),
        lambda m: _("Choose one of: %(values)s.", values=m.group(1)),
    ),
]


def _booking_status(code: str) -> str:
    from points.web.labels import BOOKING_STATUS_NAMES

    return str(BOOKING_STATUS_NAMES.get(code, code))


def _local(stamp: str) -> str:
    """'2026-11-23 08:05 UTC' → the community's local time, in the member's format."""
    from datetime import UTC, datetime

    from flask_babel import format_datetime

    moment = datetime.strptime(stamp, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    return format_datetime(moment, "short")


def _period(code: str) -> str:
    names = {
        "day": _("a day"),
        "week": _("a week"),
        "month": _("a month"),
        "year": _("a year"),
        "ever": _("in all"),
    }
    return names.get(code, code)


def _level(code: str) -> str:
    from points.web.labels import LEVEL_NAMES

    return str(LEVEL_NAMES.get(code, code))


def translate_error(message: str) -> str:
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message
