"""The counter's camera scanning (static/scan.js) in a real browser, with JavaScript on.

Chromium runs with a fake camera (launch flags in conftest.py). It has no BarcodeDetector on
Linux, so a stand-in is put in the page before its scripts run: it reads nothing until the
test "holds up" a QR code (window.showToCamera), then that text on the next look, as a real
detector would on the next frames. The voucher itself comes from 王阿姨's voucher page, read
with JavaScript off like the other journeys; the journeys share one seeded server, so each
test takes a voucher that is still unused, redeeming a fresh one when none is left.
"""

from __future__ import annotations

import json
import re
import uuid

from tests.browser.steps import number_in, sign_in

VOLUNTEER = "13900000004"  # 王阿姨
MERCHANT = "13900000002"  # 张店长, 云溪老街理发店
WORKER = "13900000001"  # 李社工, 云溪社区
BARBER = "云溪老街理发店"
# At the barber's; four a month each, so the first journey's 洗头吹干一次 (one a month) is left.
FRESH_BENEFIT = "儿童理发一次"
FRESH_POINTS = 20
CODE_SHAPE = r"[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}"

# A BarcodeDetector stand-in. Each detect() call notes what it was shown (in sessionStorage,
# which outlives the form's submission) and answers with window.showToCamera once the test
# has set it, and then only from a video that has a picture.
FAKE_DETECTOR = """
(() => {
  class FakeBarcodeDetector {
    constructor(options) { this.formats = (options && options.formats) || []; }
    static async getSupportedFormats() { return ["qr_code"]; }
    async detect(source) {
      const seen = JSON.parse(sessionStorage.getItem("fakeDetectorSaw") || "[]");
      seen.push({
        tag: source.tagName,
        width: source.videoWidth,
        height: source.videoHeight,
        paused: source.paused,
        live: !!(source.srcObject && source.srcObject.active),
        formats: this.formats,
      });
      sessionStorage.setItem("fakeDetectorSaw", JSON.stringify(seen));
      const shown = window.showToCamera;
      if (shown === undefined || !source.videoWidth) return [];
      return [{ rawValue: shown, format: "qr_code" }];
    }
  }
  window.BarcodeDetector = FakeBarcodeDetector;
})();
"""

VIDEO_PLAYING = """() => {
  const v = document.querySelector("[data-scan-view] video");
  return !!v && !v.closest("[hidden]") && !v.paused && v.readyState >= 2 && v.videoWidth > 0;
}"""


def available_points(page) -> int:
    page.goto("/")
    return number_in(page.inner_text(".balance .big"))


def earn_a_little(volunteer, person) -> None:
    """王阿姨 claims seven door-to-door patrols (21 points) and 李社工 approves them, as in the
    first journey: the other journeys spend her points too."""
    note = f"扫码测试前补积分 {uuid.uuid4().hex[:8]}"
    volunteer.goto("/claims/new")
    volunteer.select_option("select[name=activity_type]", "patrol-home-visit")
    volunteer.fill("input[name=quantity]", "7")
    volunteer.fill("textarea[name=note]", note)
    volunteer.get_by_role("button", name="提交申报").click()
    assert "申报已提交" in volunteer.inner_text(".flash.success")
    worker = person()
    sign_in(worker, WORKER)
    worker.goto("/staff/claims")
    card = worker.locator("section.card", has_text=note)
    card.get_by_role("button", name="通过", exact=True).click()
    assert "已通过，积分已到账" in worker.inner_text(".flash.success")


def unused_voucher_at_the_barbers(volunteer, person) -> tuple[str, str]:
    """(code, voucher page) of one of 王阿姨's unused vouchers at the barber's — the seeded one
    while it lasts, else one she redeems now (earning the points first if she is short).
    `volunteer` is signed in, JavaScript off."""
    volunteer.goto("/me/vouchers")
    links = volunteer.locator("section.card", has_text="未使用").locator("h2 a")
    for href in [links.nth(i).get_attribute("href") for i in range(links.count())]:
        volunteer.goto(href)
        usable = volunteer.locator(".voucher-code.big").count()
        if usable and BARBER in volunteer.inner_text("main"):
            return volunteer.inner_text(".voucher-code.big").strip(), volunteer.url
    if available_points(volunteer) < FRESH_POINTS:
        earn_a_little(volunteer, person)
    volunteer.goto("/benefits")
    volunteer.get_by_text("更多筛选").click()  # the other filters are folded away
    volunteer.fill("input[name=q]", FRESH_BENEFIT)
    volunteer.locator("form.filters button[type=submit]").click()
    volunteer.get_by_role("link", name=FRESH_BENEFIT).click()
    volunteer.get_by_role("button", name="兑换").click()
    assert "兑换成功" in volunteer.inner_text(".flash.success"), volunteer.inner_text("main")
    return volunteer.inner_text(".voucher-code.big").strip(), volunteer.url


def counter_with_camera(person, detector: bool = True):
    """张店长's counter on a phone with JavaScript on; with the detector stand-in or without."""
    merchant = person(javascript=True)
    if detector:
        merchant.context.add_init_script(FAKE_DETECTOR)
    sign_in(merchant, MERCHANT)
    merchant.goto("/merchant")
    merchant.wait_for_load_state("load")  # scan.js is deferred
    return merchant


def open_the_camera(merchant) -> None:
    scan = merchant.get_by_role("button", name="扫码")
    scan.wait_for(state="visible")
    scan.click()
    merchant.wait_for_function(VIDEO_PLAYING)
    assert not scan.is_visible(), "the scan button gives way to the camera view"
    assert merchant.get_by_role("button", name="关闭摄像头").is_visible()


def show_to_camera(merchant, text: str) -> None:
    merchant.evaluate("(text) => { window.showToCamera = text; }", text)


def confirmed_today(merchant) -> int:
    """The count in the counter's "今日核销 (n)" heading."""
    return number_in(merchant.locator("main h2", has_text="今日核销").inner_text())


def what_the_detector_saw(merchant) -> list[dict]:
    return json.loads(merchant.evaluate("sessionStorage.getItem('fakeDetectorSaw') || '[]'"))


def test_the_merchant_scans_a_voucher_with_the_phone_camera(person, snap):
    volunteer = person()
    sign_in(volunteer, VOLUNTEER)
    code, voucher_page = unused_voucher_at_the_barbers(volunteer, person)
    assert re.fullmatch(CODE_SHAPE, code)
    snap(volunteer, "voucher")

    merchant = counter_with_camera(person)
    assert merchant.input_value("input[name=code]") == ""
    assert merchant.locator("[data-scan-note]").is_hidden()
    before = confirmed_today(merchant)
    snap(merchant, "counter-with-scan-button")
    open_the_camera(merchant)
    assert "请将摄像头对准兑换券上的二维码" in merchant.inner_text(".scan-status")
    snap(merchant, "camera-open")

    # The member holds up the voucher: the code is read and the form sends itself, to the
    # preview; one tap on 确认核销 uses it.
    with merchant.expect_navigation():
        show_to_camera(merchant, code.replace("-", ""))  # the QR code holds the bare code
    merchant.get_by_role("button", name="确认核销").click()
    assert "核销成功" in merchant.inner_text(".counter-done h1")
    merchant.goto("/merchant")
    assert confirmed_today(merchant) == before + 1
    seen = what_the_detector_saw(merchant)
    assert seen, "the detector was never asked"
    assert all(s["tag"] == "VIDEO" and s["formats"] == ["qr_code"] for s in seen)
    assert any(s["width"] > 0 and not s["paused"] and s["live"] for s in seen), seen
    snap(merchant, "scanned-and-confirmed")

    volunteer.goto(voucher_page)
    assert "已核销" in volunteer.inner_text("main .card")
    assert code in volunteer.inner_text("main .card")
    snap(volunteer, "voucher-used")


def test_a_qr_code_that_is_not_a_voucher_is_not_sent(person, snap):
    merchant = counter_with_camera(person)
    url = merchant.url
    open_the_camera(merchant)

    show_to_camera(merchant, "weixin://wxpay/123")  # the shop's payment code on the counter
    merchant.wait_for_function(
        "() => document.querySelector('.scan-status').textContent.includes('这不是兑换券')"
    )
    assert "这不是兑换券的二维码" in merchant.inner_text(".scan-status")
    snap(merchant, "not-a-voucher")
    merchant.wait_for_timeout(600)  # several more looks at the same payment code
    assert merchant.url == url
    assert merchant.locator(".flash").count() == 0, "nothing was sent to the server"
    assert merchant.input_value("input[name=code]") == ""
    assert merchant.evaluate(VIDEO_PLAYING), "the camera stays open for the real voucher"
    assert len(what_the_detector_saw(merchant)) >= 2

    # Closing the camera stops it and brings the scan button back.
    merchant.get_by_role("button", name="关闭摄像头").click()
    assert merchant.get_by_role("button", name="扫码").is_visible()
    assert merchant.locator("[data-scan-view]").is_hidden()
    assert merchant.evaluate("document.querySelector('[data-scan-view] video').srcObject === null")


def test_without_a_qr_reader_there_is_no_scan_button_and_typing_works(person, snap):
    volunteer = person()
    sign_in(volunteer, VOLUNTEER)
    code, voucher_page = unused_voucher_at_the_barbers(volunteer, person)

    merchant = counter_with_camera(person, detector=False)
    assert merchant.evaluate("'BarcodeDetector' in window") is False
    assert merchant.locator("[data-scanner]").is_hidden()
    assert not merchant.locator("[data-scan-open]").is_visible()
    # On a touch phone the page says why there is no camera button.
    assert merchant.locator("[data-scan-note]").is_visible()
    snap(merchant, "counter-without-scanning")

    merchant.fill("input[name=code]", code)
    merchant.get_by_role("button", name="查询券码").click()
    merchant.get_by_role("button", name="确认核销").click()  # after a look at what it is
    assert "核销成功" in merchant.inner_text(".counter-done h1")
    snap(merchant, "typed-and-confirmed")
    volunteer.goto(voucher_page)
    assert "已核销" in volunteer.inner_text("main .card")


def test_the_counter_previews_confirms_and_undoes_a_voucher(person, snap):
    volunteer = person()
    sign_in(volunteer, VOLUNTEER)
    code, voucher_page = unused_voucher_at_the_barbers(volunteer, person)

    merchant = counter_with_camera(person, detector=False)
    merchant.fill("input[name=code]", code)
    merchant.get_by_role("button", name="查询券码").click()
    preview = merchant.inner_text(".counter-preview")
    assert "王**" in preview and "积分" in preview
    assert merchant.get_by_role("button", name="确认核销").is_visible()
    snap(merchant, "counter-preview")
    volunteer.goto(voucher_page)
    assert volunteer.locator(".voucher .qr svg").is_visible(), "the preview used nothing"

    merchant.get_by_role("button", name="确认核销").click()
    assert merchant.locator(".tick").is_visible()
    assert "分钟内可以撤销" in merchant.inner_text(".counter-done")
    snap(merchant, "counter-confirmed-with-undo")
    merchant.get_by_role("button", name="撤销").click()
    assert "已撤销" in merchant.inner_text(".flash.success")
    snap(merchant, "counter-undone")

    volunteer.goto(voucher_page)
    assert volunteer.locator(".voucher .qr svg").is_visible(), "usable again"
