/* Counter (核销): read a voucher's QR code with the phone camera.

   This only enhances the confirm form. Without this script, or in a browser that cannot read
   QR codes (the BarcodeDetector API: Chrome on Android has it, Safari does not), the page is
   the plain form where staff type the code or a barcode scanner types it. Here, "Scan with
   camera" opens the rear camera; the first QR code that holds a voucher code fills the code
   box and sends the same form, so the server checks it exactly as a typed code. Other QR
   codes (a payment code on the counter) are not sent. The camera closes on success, on
   "Close the camera" and whenever the page is hidden. Messages come translated in the
   page's data- attributes. Camera access needs the site on https (or localhost). */
(() => {
  "use strict";

  const box = document.querySelector("[data-scanner]");
  if (!box) return;
  const form = box.closest("form");
  const input = form.querySelector("input[name=code]");
  const note = form.querySelector("[data-scan-note]");
  const view = box.querySelector("[data-scan-view]");
  const video = view.querySelector("video");
  const status = box.querySelector(".scan-status");
  const openButton = box.querySelector("[data-scan-open]");
  const closeButton = box.querySelector("[data-scan-close]");
  const text = box.dataset;
  const shape = new RegExp(`^[${text.codeAlphabet}]{${text.codeLength}}$`);
  const EVERY_MS = 150; // between two looks at the picture
  const NOTICE_MS = 2000; // how long "not a voucher" stays up

  let stream = null;
  let timer = null;
  let run = 0; // counts opens and closes: a late answer from an earlier run is dropped

  // The server's rule (normalise_code in points/marketplace/services.py): full-width forms
  // as ASCII; no spaces, dashes or invisible characters; any case. The QR code holds the
  // bare code, so this only tells a voucher from any other QR code.
  function voucherCode(scanned) {
    const code = String(scanned)
      .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/[\s\p{Pd}\p{Cc}\p{Cf}]/gu, "")
      .toUpperCase();
    return shape.test(code) ? code : null;
  }

  function say(message) {
    status.textContent = message || "";
  }

  function close(message) {
    run += 1;
    clearTimeout(timer);
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
    }
    video.srcObject = null;
    view.hidden = true;
    openButton.hidden = false;
    say(message);
  }

  function send(code) {
    close(text.read);
    input.value = code.match(/.{1,3}/g).join("-"); // as printed on the voucher
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  async function look(detector, mine, otherSeenAt) {
    if (mine !== run) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA) {
      let found = [];
      try {
        found = await detector.detect(video);
      } catch (error) {
        found = []; // a frame that could not be read: try the next one
      }
      if (mine !== run) return;
      for (const barcode of found) {
        const code = voucherCode(barcode.rawValue || "");
        if (code) {
          send(code);
          return;
        }
        otherSeenAt = Date.now();
      }
      say(Date.now() - otherSeenAt < NOTICE_MS ? text.notVoucher : text.looking);
    }
    timer = setTimeout(() => look(detector, mine, otherSeenAt), EVERY_MS);
  }

  async function open(detector) {
    close(text.starting);
    const mine = run;
    openButton.hidden = true;
    view.hidden = false;
    let media;
    try {
      media = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" } },
      });
    } catch (error) {
      if (mine === run) {
        close(error && error.name === "NotAllowedError" ? text.denied : text.failed);
      }
      return;
    }
    if (mine !== run) {
      // Closed (or hidden) while the browser was asking for the camera.
      media.getTracks().forEach((track) => track.stop());
      return;
    }
    stream = media;
    video.srcObject = media;
    try {
      await video.play();
    } catch (error) {
      // Muted inline video may play without a tap; if not, frames still arrive.
    }
    if (mine !== run) return;
    say(text.looking);
    look(detector, mine, 0);
  }

  function unsupported() {
    // Only on phones and tablets, where staff would expect a camera button.
    if (note && window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
      note.hidden = false;
    }
  }

  async function start() {
    const camera = navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
    if (!("BarcodeDetector" in window) || !camera) {
      unsupported();
      return;
    }
    let formats = [];
    try {
      formats = await window.BarcodeDetector.getSupportedFormats();
    } catch (error) {
      formats = [];
    }
    if (!formats.includes("qr_code")) {
      unsupported();
      return;
    }
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    openButton.addEventListener("click", () => open(detector));
    closeButton.addEventListener("click", () => close());
    window.addEventListener("pagehide", () => close());
    // Back from the next page (back-forward cache): a fresh start, not "confirming…".
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) close();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) close();
    });
    box.hidden = false;
  }

  start();
})();
