"""On English pages the platform's own names are English where it knows them: a community's
on the fund's public page and the reports' pickers, a space's on a programme's page, a claim
the platform wrote for a work order (工单). Names people typed (theirs, a programme's) stay."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.web.test_codes_named import english, words

SOCIAL_WORKER, HOST, GRID_WORKER = "13900000001", "13900000003", "13900000008"


@pytest.mark.parametrize(
    ("phone", "path", "shown", "not_shown"),
    [
        (None, "/communities/1/fund", "Yunxi Community community fund", "云溪社区"),
        (None, "/fund", "Yunxi Community", "云溪社区"),
        (SOCIAL_WORKER, "/reports/economy", "Scope: Yunxi Community", "云溪社区"),
        (SOCIAL_WORKER, "/reports/monthly", "Yunxi Community", "云溪社区"),
        (HOST, "/programmes/1", "Yunxi", "云溪社区活动室"),
        (GRID_WORKER, "/me/claims", "Work order #", "工单"),
    ],
)
def test_english_pages_name_places_and_work_orders_in_english(
    app, demo, phone, path, shown, not_shown
):
    client = app.test_client()
    if phone:
        sign_in(client, phone)
    assert not_shown in words(client.get(path).get_data(as_text=True)), "the Chinese page has it"
    english(client)
    page = client.get(path)
    assert page.status_code == 200, path
    text = words(page.get_data(as_text=True))
    assert shown in text and not_shown not in text, text[:1500]
