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
  // Served by imgform preview --serve: a button per candidate records the
  // pick, through the page's server, with the token its address carries.
  var token = new URLSearchParams(location.search).get("token");
  document.querySelectorAll(".candidate").forEach(function (fig) {
    var button = fig.querySelector(".pick-button");
    var status = fig.querySelector(".pick-status");
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "recording…";
      fetch("pick?token=" + encodeURIComponent(token || ""), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ address: fig.dataset.address, candidate: Number(fig.dataset.candidate) })
      }).then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      }).then(function (res) {
        button.disabled = false;
        if (!res.ok) { status.textContent = res.j.error || "failed"; return; }
        fig.parentNode.querySelectorAll(".candidate").forEach(function (f) { f.classList.remove("picked"); });
        fig.classList.add("picked");
        status.textContent = res.j.message;
        body.dataset.picked = fig.dataset.address + " " + fig.dataset.candidate;
      }, function (err) {
        button.disabled = false;
        status.textContent = String(err);
      });
    });
  });

  boxes.forEach(function (b) { b.addEventListener("change", filter); });
  search.addEventListener("input", filter);
  filter();
})();
