// The voucher page says 已核销 (or cancelled, expired) as soon as the shop has confirmed it,
// without a reload: while the QR code is shown, ask the voucher's status every few seconds.
// Without JavaScript nothing changes here; a refresh shows the new status.
(function () {
  "use strict";
  var EVERY_MS = 4000;
  var GIVE_UP_MS = 30 * 60 * 1000; // a page left open for half an hour stops asking
  var card = document.querySelector("[data-voucher-status]");
  if (!card || !window.fetch) return;
  var url = card.getAttribute("data-voucher-status");
  var started = Date.now();
  var timer = null;

  function show(label, status) {
    card.setAttribute("data-status", status);
    card.querySelectorAll("[data-voucher-live]").forEach(function (el) { el.hidden = true; });
    var done = card.querySelector("[data-voucher-done]");
    done.textContent = label;
    done.hidden = false;
    var cancel = document.querySelector(".cancel-voucher");
    if (cancel) cancel.hidden = true;
  }

  function ask() {
    timer = null;
    if (Date.now() - started > GIVE_UP_MS) return;
    if (document.hidden) { timer = setTimeout(ask, EVERY_MS); return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (body) {
        if (body && body.status && body.status !== "held") { show(body.label, body.status); return; }
        timer = setTimeout(ask, EVERY_MS);
      })
      .catch(function () { timer = setTimeout(ask, EVERY_MS); });
  }

  timer = setTimeout(ask, EVERY_MS);
})();
