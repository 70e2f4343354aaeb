/* The tag form: show only the fieldset of the kind chosen, and preview a dynamic tag's condition
   ("当前符合 N 人" and a few members) while it is being written, before it is saved. */
(function () {
  "use strict";

  function showKindFieldsets() {
    var kind = document.getElementById("id_kind");
    if (!kind || kind.tagName !== "SELECT") return;  // a saved tag's kind is fixed: one fieldset only
    function update() {
      ["static", "dynamic", "variable"].forEach(function (name) {
        document.querySelectorAll("fieldset.kind-" + name).forEach(function (fieldset) {
          fieldset.hidden = kind.value !== name;
        });
      });
    }
    kind.addEventListener("change", update);
    update();
  }

  function text(tag, content, attrs) {
    var node = document.createElement(tag);
    node.textContent = content;
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function conditionPreview() {
    var tools = document.querySelector(".condition-tools");
    var textarea = document.getElementById("id_condition");
    if (!tools || !textarea) return;
    var form = textarea.form;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var status = tools.querySelector(".preview-status");
    var result = tools.querySelector(".preview-result");
    var errors = tools.querySelector(".preview-errors");
    var timer = null;
    var latest = 0;

    function showErrors(list) {
      var ul = errors.querySelector("ul");
      ul.replaceChildren();
      list.forEach(function (error) {
        var li = document.createElement("li");
        if (error.path) {
          li.appendChild(text("code", error.path));
          li.appendChild(document.createTextNode("：" + error.message));
        } else {
          li.textContent = error.message;
        }
        ul.appendChild(li);
      });
      errors.hidden = false;
      result.hidden = true;
    }

    function showResult(data) {
      tools.querySelector(".preview-number").textContent = data.count.toLocaleString("zh-CN");
      tools.querySelector(".preview-note").textContent =
        data.sample.length ? "，示例（最新的 " + data.sample.length + " 位）：" : "";
      var body = result.querySelector("tbody");
      body.replaceChildren();
      data.sample.forEach(function (member) {
        var row = document.createElement("tr");
        var code = document.createElement("td");
        code.appendChild(text("a", member.code, {href: member.url, target: "_blank"}));
        row.appendChild(code);
        row.appendChild(text("td", member.name || "-"));
        row.appendChild(text("td", member.mobile || "-"));
        body.appendChild(row);
      });
      result.querySelector("table").hidden = !data.sample.length;
      result.hidden = false;
      errors.hidden = true;
    }

    function run() {
      var source = textarea.value.trim();
      if (!source) {
        status.textContent = "请先填写条件。";
        result.hidden = errors.hidden = true;
        return;
      }
      var mine = ++latest;
      status.textContent = "正在计算…";
      var body = new URLSearchParams();
      body.append("condition", source);
      fetch(tools.dataset.previewUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": token ? token.value : "", "Accept": "application/json"}
      }).then(function (response) {
        if (response.status !== 200 && response.status !== 400) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        if (mine !== latest) return;  // an older answer arriving after a newer request
        if (data.errors && data.errors.length) {
          status.textContent = "条件有 " + data.errors.length + " 处错误。";
          showErrors(data.errors);
        } else {
          status.textContent = "按今天（上海时间）的数据计算。";
          showResult(data);
        }
      }).catch(function (error) {
        if (mine !== latest) return;
        status.textContent = "预览失败（" + error.message + "），请稍后再试。";
      });
    }

    tools.querySelector(".preview-button").addEventListener("click", run);
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 1000);
    });
  }

  function fieldFilter() {
    var box = document.querySelector(".condition-tools .field-filter");
    if (!box) return;
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase();
      document.querySelectorAll(".condition-tools table.field-list tbody tr").forEach(function (row) {
        row.hidden = words !== "" && row.textContent.toLowerCase().indexOf(words) === -1;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showKindFieldsets();
    conditionPreview();
    fieldFilter();
  });
})();
