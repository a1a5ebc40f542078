"""Every visible string has a zh_Hans_CN translation; pages switch language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "points/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_every_extracted_string_is_translated_to_chinese(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "-q",
            "extract",
            "-F",
            "points/translations/babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    with CATALOG.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    # A plural entry (ngettext) counts only when every form is translated.
    translated = {
        m.id
        for m in catalog
        if m.id
        and "fuzzy" not in m.flags
        and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(str(i) for i in extracted - translated)
    assert not missing, "untranslated (run `make translations`, then translate):\n" + "\n".join(
        missing
    )


def test_chinese_is_the_default_and_english_is_a_switch_away(client):
    assert "注册" in client.get("/").get_data(as_text=True)
    token = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1][:200]
    client.post("/language/en", data={"csrf_token": token.split('"')[0], "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert "Sign up" in html and 'lang="en"' in html
