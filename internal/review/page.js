"use strict";
(function () {
  var body = document.body;
  body.classList.add("js");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));

  // View: side by side, slider or toggle, for every card at once.
  document.querySelectorAll('input[name="view"]').forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) body.dataset.view = r.value; });
  });

  // The slider wipes between before and after.
  document.querySelectorAll(".compare").forEach(function (cmp) {
    var wipe = cmp.querySelector(".wipe");
    var toggle = cmp.querySelector(".toggle");
    var sync = function () { cmp.style.setProperty("--pos", wipe.value + "%"); };
    wipe.addEventListener("input", sync);
    wipe.addEventListener("change", sync);
    toggle.addEventListener("click", function () {
      var before = !cmp.classList.contains("show-before");
      cmp.classList.toggle("show-before", before);
      toggle.setAttribute("aria-pressed", before ? "true" : "false");
      toggle.textContent = before ? "Showing before · show after" : "Showing after · show before";
    });
  });

  // Filters by action and a search by address.
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="action"]'));
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var filter = function () {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var q = search.value.trim().toLowerCase();
    var n = 0;
    cards.forEach(function (c) {
      var show = on[c.dataset.action] !== false && (q === "" || c.dataset.address.toLowerCase().indexOf(q) >= 0);
      c.hidden = !show;
      if (show) n++;
    });
    shown.textContent = n + " of " + cards.length + " shown";
  };
  boxes.forEach(function (b) { b.addEventListener("change", filter); });
  search.addEventListener("input", filter);
  filter();
})();
