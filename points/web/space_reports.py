"""Reports on shared space: utilisation (空间使用率) for staff, with a chart drawn on the server
as SVG and CSV / Excel downloads; and calendar feeds of bookings behind secret addresses."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from points import clock
from points.errors import InvalidInput
from points.extensions import address_key, limiter
from points.spaces import calendar, utilisation
from points.spaces.utilisation import OTHER, Change, Part, Report, Usage
from points.web.forms import refused
from points.web.labels import locale
from points.web.messages import translate_error
from points.web.staff import staff_required

bp = Blueprint("space_reports", __name__)

CURRENT, PREVIOUS = "#b3261e", "#8a8a8a"


# ---------------------------------------------------------------------------- words


def percent(usage: Usage) -> str:
    """85% / 92.3%; a dash when the space was never open."""
    if usage.rate is None:
        return "—"
    return f"{usage.rate * 100:.1f}".removesuffix(".0") + "%"


def hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f}".removesuffix(".0")


def times(ratio: float) -> str:
    """×3, ×1.5, ×0.25."""
    text = f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.2f}".rstrip("0").rstrip(".")
    return "×" + text


def compare_words(change: Change) -> str:
    """'from 50% to 85%', or what stands in for a period that was never open."""
    if change.before.rate is None and change.now.rate is None:
        return _("closed in both periods")
    if change.before.rate is None:
        return _("%(now)s (closed in the previous period)", now=percent(change.now))
    if change.now.rate is None:
        return _("closed now (%(before)s before)", before=percent(change.before))
    return _("from %(before)s to %(now)s", before=percent(change.before), now=percent(change.now))


def use_words(change: Change) -> str:
    """'use ×3': booked hours against the previous period's, safe when either is zero."""
    if change.trend == "none":
        return _("no use in either period")
    if change.trend == "new":
        return _("use is new: none in the previous period")
    if change.trend == "gone":
        return _("no use now (%(hours)s h before)", hours=hours(change.before.booked))
    return _("use %(ratio)s", ratio=times(change.use_ratio))


def week_words(week) -> str:
    """A week as a person reads it: 第49周 11/30–12/6 (its days within the period)."""
    days = f"{week.first.month}/{week.first.day}–{week.last.month}/{week.last.day}"
    return _("Week %(n)s", n=week.number) + " " + days


def part_name(part: Part) -> str:
    return part.name(locale()) if part.name_zh != OTHER else _("Outside day-parts")


# ---------------------------------------------------------------------------- charts


def _bar(usage: Usage, colour: str) -> dict:
    return {"value": min(usage.rate or 0, 1), "text": percent(usage), "colour": colour}


def part_chart(report: Report) -> dict:
    """Two bars per day-part: this period and the previous one."""
    rows, said = [], []
    for part, change in report.parts:
        rows.append(
            {
                "label": part_name(part),
                "bars": [_bar(change.now, CURRENT), _bar(change.before, PREVIOUS)],
            }
        )
        said.append(
            _(
                "%(part)s: %(compare)s; %(use)s",
                part=part_name(part),
                compare=compare_words(change),
                use=use_words(change),
            )
        )
    return {
        "title": _("Utilisation by day-part"),
        "desc": " ".join(s + "." for s in said),
        "rows": rows,
        "legend": True,
    }


def week_chart(report: Report) -> dict:
    """One bar per local ISO week, the previous period's greyed."""
    rows, said = [], []
    for measures, colour in ((report.before, PREVIOUS), (report.now, CURRENT)):
        for week, usage in measures.weeks.items():
            label = week_words(week)
            rows.append({"label": label, "bars": [_bar(usage, colour)]})
            said.append(f"{label}: {percent(usage)}")
    return {
        "title": _("Utilisation by week"),
        "desc": "; ".join(said) + ".",
        "rows": rows,
        "legend": True,
    }


# ---------------------------------------------------------------------------- utilisation


def _report() -> tuple[Report | None, dict[str, list[str]]]:
    try:
        found = utilisation.report(
            current_user, request.args.get("from") or None, request.args.get("to") or None
        )
    except InvalidInput as error:
        return None, {f: [translate_error(m) for m in ms] for f, ms in error.errors.items()}
    return found, {}


def _presets(today: date) -> list[tuple[str, date, date]]:
    """Quick choices: this week, the four weeks to this Sunday, this month."""
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    month_first = today.replace(day=1)
    month_last = (month_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return [
        (_("This week"), monday, sunday),
        (_("Last 4 weeks"), monday - timedelta(days=21), sunday),
        (_("This month"), month_first, month_last),
    ]


@bp.get("/spaces/utilisation")
@staff_required
def utilisation_page():
    found, errors = _report()
    today = clock.today()
    return render_template(
        "space_reports/utilisation.html",
        report=found,
        errors=errors,
        values={"from": request.args.get("from", ""), "to": request.args.get("to", "")},
        presets=_presets(today),
        part_chart=part_chart(found) if found else None,
        week_chart=week_chart(found) if found else None,
        percent=percent,
        hours=hours,
        times=times,
        compare_words=compare_words,
        use_words=use_words,
        part_name=part_name,
        week_words=week_words,
    ), (422 if errors else 200)


def _export_report() -> Report:
    """The report to export; wrong dates are a 422 page naming `from` or `to`."""
    return utilisation.report(
        current_user, request.args.get("from") or None, request.args.get("to") or None
    )


def export_headers() -> list[str]:
    return [
        _("Section"),
        _("Name"),
        _("From"),
        _("To"),
        _("Booked hours"),
        _("Bookable hours"),
        _("Utilisation"),
        _("Booked hours, previous period"),
        _("Bookable hours, previous period"),
        _("Utilisation, previous period"),
        _("Change in use (×)"),
    ]


def _figures(usage: Usage) -> list:
    rate = None if usage.rate is None else round(usage.rate, 4)
    return [round(usage.booked_hours, 2), round(usage.bookable_hours, 2), rate]


def export_rows(report: Report) -> list[list]:
    """The page's figures, one line each: totals, day-parts, spaces (and their day-parts),
    then the weeks of the previous and this period."""
    first, last = report.now.first, report.now.last
    language = locale()

    def line(section: str, name: str, change: Change) -> list:
        ratio = change.use_ratio
        return [
            section,
            name,
            first,
            last,
            *_figures(change.now),
            *_figures(change.before),
            None if ratio is None else round(ratio, 2),
        ]

    rows = [line(_("All spaces"), "", report.total)]
    rows += [line(_("Day-part"), part_name(p), c) for p, c in report.parts]
    for space in report.spaces:
        rows.append(line(_("Space"), space.name(language), report.space(space.id)))
        rows += [
            line(_("Space · day-part"), f"{space.name(language)} · {part_name(p)}", c)
            for p, c in report.space_parts(space.id)
        ]
    for measures in (report.before, report.now):
        for week, usage in measures.weeks.items():
            rows.append(
                [_("Week"), week.label, week.first, week.last, *_figures(usage)] + [None] * 4
            )
    return rows


def _export_name(report: Report, extension: str) -> str:
    return f"utilisation-{report.now.first}-{report.now.last}.{extension}"


def _csv_cell(index: int, value) -> str:
    """Rates as 25.0%, dates as 2026-12-07; text that starts like a formula is kept as text
    (CSV injection)."""
    if value is None:
        return ""
    if index in (6, 9):
        return f"{value * 100:.1f}%"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return str(value)


@bp.get("/spaces/utilisation.csv")
@staff_required
def utilisation_csv():
    found = _export_report()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(export_headers())
    for row in export_rows(found):
        writer.writerow([_csv_cell(i, v) for i, v in enumerate(row)])
    # The byte-order mark tells Excel the file is UTF-8, so Chinese opens correctly.
    data = ("\ufeff" + out.getvalue()).encode("utf-8")
    return send_file(
        io.BytesIO(data),
        mimetype="text/csv",
        as_attachment=True,
        download_name=_export_name(found, "csv"),
    )


@bp.get("/spaces/utilisation.xlsx")
@staff_required
def utilisation_xlsx():
    found = _export_report()
    # Imported here, not at the top: openpyxl costs ~80 ms of every worker's start.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"{found.now.first}"
    sheet.append(export_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in export_rows(found):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # a name that looks like a formula stays text
                cell.data_type = "s"
            elif cell.column in (3, 4):
                cell.number_format = "yyyy-mm-dd"
            elif cell.column in (7, 10):
                cell.number_format = "0.0%"
    widths = (14, 30, 12, 12, 10, 10, 10, 12, 12, 12, 10)
    for letter, width in zip("ABCDEFGHIJK", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(
        out,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=_export_name(found, "xlsx"),
    )


# ---------------------------------------------------------------------------- calendars


def _feed_urls(token: str) -> dict:
    https = url_for("space_reports.feed", token=token, _external=True)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


@bp.get("/calendar")
@login_required
def calendar_page():
    """My feed's addresses (a feed is made the first time its address is asked for)."""
    own = calendar.host_feed(current_user) if calendar.has_host_feed(current_user) else None
    spaces = calendar.space_feeds(current_user) if current_user.is_staff else []
    return render_template(
        "space_reports/calendar.html",
        own=_feed_urls(own.token) if own else None,
        spaces=[(space, _feed_urls(feed.token)) for space, feed in spaces],
    )


@bp.post("/calendar/reset")
@login_required
def calendar_reset():
    """A new secret address; the old one is then not found."""
    if request.form.get("feed") == "mine":

        def action():
            calendar.reset_host_feed(current_user)

    elif request.form.get("space"):

        def action():
            calendar.reset_space_feed(current_user, request.form["space"])

    else:
        abort(400)
    with refused(show=False) as refusal:
        action()
        flash(
            _("New address made. The old one no longer works: subscribe again with the new one."),
            "success",
        )
    if refusal.error is not None:
        flash(translate_error(refusal.error.message), "error")
    return redirect(url_for("space_reports.calendar_page"))


def _wrong_address(response) -> bool:
    return response.status_code == 404


def _uid_domain() -> str:
    return current_app.config["CALENDAR_UID_DOMAIN"] or urlsplit(request.host_url).hostname


@bp.get("/calendar/<token>.ics")
@limiter.limit(
    lambda: current_app.config["CALENDAR_WRONG_TOKEN_LIMIT"],
    key_func=address_key,
    scope="calendar-wrong-token",
    deduct_when=_wrong_address,
)
def feed(token: str):
    """No sign-in: the address is the secret. A wrong or replaced address is 404."""
    found = calendar.by_token(token)
    owner = calendar.owner(found)
    language = current_app.config["BABEL_DEFAULT_LOCALE"]
    if found.member_id is not None and owner.locale in current_app.config["LANGUAGES"]:
        language = owner.locale
    with force_locale(language):
        prefixes = {
            "pending": _("[Awaiting approval] "),
            "offered": _("[Offered to you] "),
            "cancelled": _("[Cancelled] "),
            "rejected": _("[Not approved] "),
            "lapsed": _("[Offer lapsed] "),
            "no_show": _("[No-show] "),
        }
        if found.space_id is not None:
            name = _("%(space)s bookings", space=owner.name(language))
        else:
            name = _("My space bookings")
        body = calendar.render(
            found, domain=_uid_domain(), name=name, locale=language, prefixes=prefixes
        )
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="bookings.ics"',
            "Cache-Control": "no-store",
            "X-Robots-Tag": "noindex",
        },
    )
