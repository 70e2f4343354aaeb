// Plotly sizes a chart when it is drawn; a chart drawn before the page's grid settled keeps a width
// wider than its card. Once everything has loaded, fit each chart to its container.
window.addEventListener("load", () => {
  if (!window.Plotly) return;
  for (const chart of document.querySelectorAll(".js-plotly-plot")) window.Plotly.Plots.resize(chart);
});
