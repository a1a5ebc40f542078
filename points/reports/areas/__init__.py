"""The report areas, in the order the reports menu shows them. An area is one module with a
`build(context) -> AreaReport`; adding one is one `register` line below."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from points.errors import N_
from points.reports.figures import AreaReport, Context


@dataclass(frozen=True)
class Area:
    code: str
    title: str  # N_
    build: Callable[[Context], AreaReport]


AREAS: dict[str, Area] = {}


def register(code: str, title: str, build: Callable[[Context], AreaReport]) -> None:
    AREAS[code] = Area(code, title, build)


def _register_all() -> None:
    from points.reports.areas import economy, fund, merchants, people, programmes, spaces, tickets

    register("economy", N_("Points economy"), economy.build)
    register("people", N_("People"), people.build)
    register("spaces", N_("Shared spaces"), spaces.build)
    register("programmes", N_("Programmes"), programmes.build)
    register("tickets", N_("Tickets"), tickets.build)
    register("merchants", N_("Merchants"), merchants.build)
    register("fund", N_("Community fund"), fund.build)


_register_all()
