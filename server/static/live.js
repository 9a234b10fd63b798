// The provisional score while a unit types: posts the form (with its CSRF token) to the check
// route and shows the answer. The page works without it: saving shows the same panel.
(function () {
  "use strict";
  var form = document.getElementById("entry");
  var panel = document.getElementById("provisional-body");
  if (!form || !panel || !window.fetch) { return; }
  var url = form.getAttribute("data-check");
  var timer = null;
  var seq = 0;
  function refresh() {
    var mine = ++seq;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || mine !== seq) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;  // server-rendered and escaped by the same templates as the page
        var body = holder.querySelector("#provisional-body");
        if (body) { panel.replaceWith(body); panel = body; }
      })
      .catch(function () {});
  }
  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 600);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
