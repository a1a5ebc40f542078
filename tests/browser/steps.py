"""What a person does in the browser, in a few words: sign in, read a number, check the width."""

from __future__ import annotations

import re

PASSWORD = "demo1234"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def sign_in(page, phone: str, password: str = PASSWORD, *, through_form: bool = False) -> None:
    """Sign the page's person in; the page then shows where signing in leads.

    The journeys sign in `through_form`, as a person does. Elsewhere the browser context
    sends the form's own two requests (the sign-in page for its CSRF token, then the form)
    without drawing either page: the same cookies, half a second less a person."""
    if through_form:
        page.goto("/login")
        page.fill("input[name=phone]", phone)
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, page.inner_text("main")
        return
    form = page.context.request.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text())
    assert token, f"the sign-in page has no CSRF token: {form.status}"
    answer = page.context.request.post(
        "/login",
        form={"phone": phone, "password": password, "csrf_token": token.group(1)},
        max_redirects=0,
    )
    where = answer.headers.get("location", "")
    assert answer.status == 302 and "/login" not in where, f"{phone} not signed in: {answer.text()}"
    page.goto(where)


def shown(page, selector: str) -> None:
    """What an action leads to is on screen. Waits for it: a click that submits a form
    returns once the next page starts loading, not once it shows."""
    try:
        page.locator(selector).first.wait_for(state="visible")  # the context's timeout
    except Exception:  # playwright's TimeoutError: say what the page shows instead
        shows = page.inner_text("body")
        raise AssertionError(f"{selector} not shown on {page.url}: {shows}") from None


def flashed(page, kind: str = "success") -> None:
    """The page an action leads to says it worked (success) or why not (error)."""
    shown(page, f"main .flash.{kind}")


def number_in(text: str) -> int:
    """The first whole number in a piece of visible text."""
    match = re.search(r"-?\d+", text.replace(",", ""))
    assert match, f"no number in {text!r}"
    return int(match.group())


MODES = ["zh", "en", "elder"]  # Chinese, English, 长辈版 (Chinese, larger)


def set_mode(page, mode: str) -> None:
    """Switch this phone's pages to a mode of MODES with the header's buttons (no script),
    from the Chinese standard pages every context starts on."""
    page.goto("/")
    if mode == "en":
        page.locator("header form.lang button").click()
        assert page.locator("html").get_attribute("lang") == "en"
    elif mode == "elder":
        page.locator("header form.elder-switch button").click()
        assert page.locator("html").get_attribute("class") == "elder"


def reset_mode(page, mode: str) -> None:
    """Back to the Chinese standard pages: the demo accounts are shared by the journeys, and
    a signed-in member's language and 长辈版 stay with the account."""
    page.goto("/")
    if mode == "en":
        page.locator("header form.lang button").click()
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
    elif mode == "elder":
        page.locator("header form.elder-switch button").click()
        assert page.locator("html").get_attribute("class") is None


def fits_phone(page) -> None:
    """Nothing on the page makes a 360 px screen scroll sideways, and it meets WCAG 2.2 AA
    where a measure can tell: text contrast and the size of what is tapped. In 长辈版 also
    the 适老化 rules: body text of 20 px and more, main actions 60 × 60 px and more."""
    # After a click that follows a link the next page may still be loading (its document
    # has no scrollingElement yet): measure the page once it has loaded.
    page.wait_for_load_state()
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 360 px phone"
    low = page.evaluate(CONTRAST)
    assert not low, f"{page.url}: text below WCAG AA contrast: {low}"
    small = page.evaluate(TARGETS)
    assert not small, f"{page.url}: tap targets under 24 x 24 px: {small}"
    if page.locator("html.elder").count():
        tiny = page.evaluate(ELDER_TYPE)
        assert not tiny, f"{page.url}: 长辈版 text under 20 px: {tiny}"
        short = page.evaluate(ELDER_TARGETS)
        assert not short, f"{page.url}: 长辈版 main actions under 60 x 60 px: {short}"


# 长辈版: every visible piece of text is 20 px or larger.
ELDER_TYPE = """() => {
  const tiny = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("[hidden], .sr, svg")) continue;
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height || getComputedStyle(el).visibility !== "visible") continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const text = el.textContent.trim().slice(0, 30);
    if (size < 20) tiny.push(`${el.tagName.toLowerCase()} "${text}" ${size}px`);
  }
  return tiny;
}"""

# 长辈版: the main actions — buttons, button-like links, the bar's links, fields, folds —
# are at least 60 x 60 px (tick boxes: their label is the target).
ELDER_TARGETS = """() => {
  const short = [];
  const main = "button, .button, nav a, header a, summary, select, textarea,"
    + " input:not([type=hidden]):not([type=checkbox]):not([type=radio])";
  for (const el of document.body.querySelectorAll(main)) {
    if (el.closest("[hidden], .sr") || el.disabled) continue;
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height || getComputedStyle(el).visibility !== "visible") continue;
    if (rect.height < 60 || rect.width < 60) {
      const text = (el.textContent || el.name || "").trim().slice(0, 30);
      const size = `${rect.width.toFixed(0)}x${rect.height.toFixed(0)}`;
      short.push(`${el.tagName.toLowerCase()} "${text}" ${size}`);
    }
  }
  return short;
}"""


# Every visible piece of text against the background it is drawn on (the backgrounds of its
# ancestors blended, white beneath): 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
# Disabled controls are exempt, as WCAG exempts inactive components.
CONTRAST = """() => {
  const parse = (s) => {
    const m = s.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(parseFloat);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    return layers.reduceRight((under, top) => over(top, under), { r: 255, g: 255, b: 255, a: 1 });
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const low = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("[disabled], [hidden], .sr, svg")) continue;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!rect.width || !rect.height || style.visibility !== "visible" || rect.right < 0) continue;
    const under = background(el);
    const ink = over(parse(style.color), under);
    const [a, b] = [luminance(ink), luminance(under)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight, 10) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      const what = `${el.tagName.toLowerCase()}.${el.className}`;
      const text = el.textContent.trim().slice(0, 30);
      const on = `rgb(${under.r | 0},${under.g | 0},${under.b | 0})`;
      low.push(`${what} "${text}" ${style.color} on ${on} ${ratio.toFixed(2)}:1`);
    }
  }
  return low;
}"""

# Whatever is tapped — links, buttons, fields, the summary of a fold — is at least 24 x 24
# px (WCAG 2.2 AA target size; the main actions are 48 px by the stylesheet), links inside a
# sentence included.
TARGETS = """() => {
  const small = [];
  const tapped = "a[href], button, summary, select, textarea, input:not([type=hidden])";
  for (const el of document.body.querySelectorAll(tapped)) {
    if (el.closest("[hidden], .sr") || el.disabled) continue;
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height || rect.right < 0) continue;
    if (getComputedStyle(el).visibility !== "visible") continue;
    if (rect.height < 24 || rect.width < 24) {
      const text = (el.textContent || el.name || "").trim().slice(0, 30);
      const size = `${rect.width.toFixed(0)}x${rect.height.toFixed(0)}`;
      small.push(`${el.tagName.toLowerCase()} "${text}" ${size}`);
    }
  }
  return small;
}"""
