// Live progress of a broadcast: asks the server every two seconds until it is done.
// Without JavaScript the page shows the same figures on reload.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || box.getAttribute("data-done") === "yes") { return; }
  var bar = box.querySelector("progress");
  function show(name, value) {
    var field = box.querySelector('[data-field="' + name + '"]');
    if (field) { field.textContent = value; }
  }
  function poll() {
    fetch(box.getAttribute("data-progress-url"), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (figures) {
        if (figures) {
          bar.value = figures.percent;
          bar.textContent = figures.percent + " %";
          show("percent", figures.percent);
          show("text", figures.text);
          show("status", figures.status);
          if (figures.done) { box.setAttribute("data-done", "yes"); return; }
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
