// 经营看板: a click on a bar narrows the view to its value (the chart's data-drill names the URL
// parameter; the bar's customdata holds the value), keeping the rest of the query string.
(function () {
  "use strict";
  var LEVELS = ["channel", "province", "city", "store"];

  function narrow(parameter, value) {
    var url = new URL(window.location.href);
    url.searchParams.delete("csv");
    // a level chosen anew drops the levels below it
    LEVELS.slice(LEVELS.indexOf(parameter) + 1).forEach(function (level) { url.searchParams.delete(level); });
    url.searchParams.set(parameter, value);
    window.location.assign(url.toString());
  }

  document.querySelectorAll("[data-drill]").forEach(function (card) {
    var plot = card.querySelector(".plotly-graph-div");
    if (!plot || !plot.on) { return; }
    plot.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (point && point.customdata !== undefined && point.customdata !== null) {
        narrow(card.dataset.drill, String(point.customdata));
      }
    });
  });
}());
