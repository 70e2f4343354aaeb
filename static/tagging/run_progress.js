/* A tag recompute's page: poll the run's status once a second and move the bar; when the run has
   finished, reload once so the page shows the per-tag summary rendered by the server. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("run-progress");
    if (!box || box.dataset.finished === "1") return;
    function poll() {
      fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (run) {
          document.getElementById("run-status").textContent = run.status_label;
          document.getElementById("run-bar").value = run.progress;
          document.getElementById("run-percent").textContent = Math.round(run.progress * 100) + "%";
          document.getElementById("run-tags").textContent = run.tags_done + "/" + run.tags_total;
          if (run.finished) {
            window.location.reload();
          } else {
            setTimeout(poll, 1000);
          }
        })
        .catch(function (error) {
          document.getElementById("run-status").textContent = "无法获取进度（" + error.message + "），稍后重试…";
          setTimeout(poll, 3000);
        });
    }
    setTimeout(poll, 500);
  });
})();
