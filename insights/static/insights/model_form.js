// The value model form: "预览分层人数" posts the kind and parameters being edited and shows the tier
// sizes they would give on today's data (nothing is saved).
document.addEventListener("DOMContentLoaded", () => {
  const config = document.getElementById("id_config");
  const kind = document.getElementById("id_kind");
  const button = document.getElementById("insights-preview");
  const out = document.getElementById("insights-preview-result");
  if (!config || !kind || !button || !out) return;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  button.addEventListener("click", async () => {
    out.textContent = "计算中…";
    const body = new URLSearchParams({kind: kind.value, config: config.value});
    const response = await fetch(button.dataset.url, {method: "POST", body,
      headers: {"X-CSRFToken": csrf}, credentials: "same-origin"});
    const data = await response.json();
    out.replaceChildren();
    if (data.errors && data.errors.length) {
      const list = document.createElement("ul");
      list.className = "errorlist";
      for (const error of data.errors) {
        const item = document.createElement("li");
        item.textContent = error;
        list.append(item);
      }
      out.append(list);
      return;
    }
    const total = data.tiers.reduce((sum, tier) => sum + tier.members, 0) || 1;
    const table = document.createElement("table");
    table.innerHTML = "<thead><tr><th>分层</th><th>人数</th><th>占比</th></tr></thead>";
    const rows = document.createElement("tbody");
    for (const tier of data.tiers) {
      const row = document.createElement("tr");
      for (const text of [`${tier.name}（${tier.code}）`, tier.members.toLocaleString("zh-CN"),
                          `${(100 * tier.members / total).toFixed(1)}%`]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      rows.append(row);
    }
    table.append(rows);
    out.append(table);
  });
});
