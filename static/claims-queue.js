// Claims queue: "select all" ticks every row and the bulk button counts the ticked claims.
// An enhancement only: without it the form posts the ticked boxes (or, with "select all"
// ticked, every claim the page listed) and the button reads "Approve selected".
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("bulk");
  if (!form) return;
  var all = document.querySelector("[data-select-all]");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll('input[type="checkbox"][name="claim"][form="bulk"]'));
  var button = form.querySelector("[data-counted]");
  function update() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    if (all) all.checked = n > 0 && n === boxes.length;
    if (button) button.textContent = button.getAttribute("data-counted").replace("{n}", n);
  }
  if (all) all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    update();
  });
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  update();
});
