(function () {
  var nav = document.getElementById("filters");
  if (!nav) return;
  nav.hidden = false;
  nav.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.filter) {
      var hidden = document.body.classList.toggle("hide-" + b.dataset.filter);
      b.setAttribute("aria-pressed", hidden ? "false" : "true");
    } else if (b.dataset.open) {
      var open = b.dataset.open === "all";
      document.querySelectorAll("details").forEach(function (d) { d.open = open; });
    }
  });
})();
