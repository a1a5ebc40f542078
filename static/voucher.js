// The voucher page says 已核销 (or cancelled, expired) as soon as the shop has confirmed it,
// without a reload: while the QR code is shown, ask the voucher's status every few seconds.
// While the shop may still undo its confirmation (撤销, the answer's undo_seconds), keep asking;
// once the voucher is usable again, load the page afresh so that its QR code is back.
// Without JavaScript nothing changes here; a refresh shows the new status.
(function () {
  "use strict";
  var EVERY_MS = 4000;
  var GIVE_UP_MS = 30 * 60 * 1000; // a page left open for half an hour stops asking
  var card = document.querySelector("[data-voucher-status]");
  if (!card || !window.fetch) return;
  var url = card.getAttribute("data-voucher-status");
  var started = Date.now();
  var shownDone = false;
  var undoEnds = 0; // on this phone's clock

  function show(label, status) {
    shownDone = true;
    card.setAttribute("data-status", status);
    card.querySelectorAll("[data-voucher-live]").forEach(function (el) { el.hidden = true; });
    var done = card.querySelector("[data-voucher-done]");
    done.textContent = label;
    done.hidden = false;
    var cancel = document.querySelector(".cancel-voucher");
    if (cancel) cancel.hidden = true;
  }

  function later() { setTimeout(ask, EVERY_MS); }

  function answered(body) {
    if (!body || !body.status) { later(); return; }
    if (body.status === "held") {
      if (shownDone) { window.location.reload(); return; } // undone at the counter
      later();
      return;
    }
    if (!shownDone || card.getAttribute("data-status") !== body.status) {
      show(body.label, body.status);
    }
    // Ask on only while the shop may still undo, and no longer than that.
    if (body.undo_seconds) undoEnds = Date.now() + body.undo_seconds * 1000;
    if (Date.now() < undoEnds + EVERY_MS) later();
  }

  function ask() {
    if (Date.now() - started > GIVE_UP_MS) return;
    if (document.hidden) { later(); return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(answered)
      .catch(later);
  }

  later();
})();
