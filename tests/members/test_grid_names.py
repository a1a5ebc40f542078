"""Grids (网格) have English names like communities: the seed gives them, and English pages
(profile, sign-up choices, the tickets pages' grid) show them; Chinese pages keep 网格."""

from __future__ import annotations

import re

from points import seeding
from points.extensions import db
from points.members import services as members
from tests.conftest import csrf_token, sign_in


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def english(client) -> None:
    client.post("/language/en", data={"csrf_token": csrf_token(client)})


def test_the_seed_names_every_grid_in_english(ctx):
    seeding.load_places()
    db.session.commit()
    grids = [g for c in members.communities() for g in c.grids]
    assert grids and all(g.name_en for g in grids)
    yunxi = next(c for c in members.communities() if c.name == "云溪社区")
    assert [(g.name, g.name_en) for g in yunxi.grids][:2] == [
        ("云溪一网格", "Yunxi Grid 1"),
        ("云溪二网格", "Yunxi Grid 2"),
    ]


def test_a_grid_keeps_its_english_name_when_the_seed_runs_again(ctx):
    members.ensure_place("胜浦街道", "云溪社区", [{"name": "云溪一网格", "name_en": "Grid One"}])
    db.session.commit()
    again = members.ensure_place("胜浦街道", "云溪社区", ["云溪一网格"])
    db.session.commit()
    assert [(g.name, g.name_en) for g in again.grids] == [("云溪一网格", "Grid One")]


def test_english_pages_name_the_members_grid_in_english(client, make_member, places):
    members.ensure_place(
        "胜浦街道", "云溪社区", [{"name": "云溪一网格", "name_en": "Yunxi Grid 1"}]
    )
    member = make_member("13900000005", name="陈小明", grid_id=places[0].grids[0].id)
    members.set_password(member, "demo1234-grid")
    db.session.commit()
    sign_in(client, member.phone, "demo1234-grid")
    assert "云溪一网格" in words(client.get("/me").get_data(as_text=True))
    english(client)
    profile = words(client.get("/me").get_data(as_text=True))
    assert "Yunxi Grid 1" in profile and "网格" not in profile


def test_the_sign_up_choices_name_grids_in_english(client, places):
    members.ensure_place(
        "胜浦街道", "云溪社区", [{"name": "云溪一网格", "name_en": "Yunxi Grid 1"}]
    )
    db.session.commit()
    english(client)
    page = client.get("/register").get_data(as_text=True)
    assert "Yunxi Grid 1" in page and "云溪一网格" not in page


def test_the_places_api_gives_grids_english_names(client, places):
    members.ensure_place(
        "胜浦街道", "云溪社区", [{"name": "云溪一网格", "name_en": "Yunxi Grid 1"}]
    )
    db.session.commit()
    listed = client.get("/api/v1/auth/communities").get_json()
    yunxi = next(p for p in listed if p["name"] == "云溪社区")
    assert yunxi["grids"][0] == {
        "id": places[0].grids[0].id,
        "name": "云溪一网格",
        "name_en": "Yunxi Grid 1",
    }
