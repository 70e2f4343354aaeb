// The visual condition builder of the segment form: groups (全部满足 / 任一满足, optionally 不满足) and
// leaves (field, operator, value by type, optional time window), the live count of members as one
// edits (POST /api/conditions/count/), and a JSON view for power users. The condition travels in the
// hidden textarea #id_condition, which the server checks again on save.
(function () {
  "use strict";
  const root = document.getElementById("builder");
  if (!root) return;
  const store = document.getElementById("id_condition");
  const jsonView = document.getElementById("json-view");
  const countOut = document.getElementById("live-count");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const DAY_OPS = ["within_last_days", "before_days_ago", "birthday_within_days"];
  const NO_VALUE = ["is_empty", "is_not_empty"];
  let fields = {};
  let tree = null;
  let timer = null;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  };
  const option = (value, label, selected) => {
    const node = el("option", {value, text: label});
    if (selected) node.selected = true;
    return node;
  };

  function newLeaf() {
    const key = fields["member.gender"] ? "member.gender" : Object.keys(fields)[0];
    return {field: key, op: fields[key].operators[0].op, value: defaultValue(fields[key], fields[key].operators[0].op)};
  }

  function defaultValue(field, op) {
    if (NO_VALUE.includes(op)) return undefined;
    if (DAY_OPS.includes(op)) return 30;
    if (op === "in" || op === "not_in") return field.choices ? [field.choices[0].value] : [""];
    if (op === "between") return field.type === "date" ? ["", ""] : [0, 100];
    if (field.type === "boolean") return true;
    if (field.choices && op !== "contains") return field.choices[0].value;
    if (field.type === "number" || field.type === "money") return 0;
    return "";
  }

  // A group node is {all: [...]}, {any: [...]}, or {not: group}.
  function renderGroup(node, onReplace, depth) {
    const negated = "not" in node;
    let inner = negated ? node.not : node;
    if (!("all" in inner) && !("any" in inner)) inner = {all: [inner]};  // {not: leaf} shown as a group of one
    const kind = "all" in inner ? "all" : "any";
    const children = inner[kind];
    const box = el("div", {class: "group" + (negated ? " negated" : ""), "data-depth": depth});
    const kindSelect = el("select", {"aria-label": "组合方式", onchange: (e) => {
      const replaced = {[e.target.value]: children};
      onReplace(negated ? {not: replaced} : replaced);
    }}, option("all", "全部满足", kind === "all"), option("any", "任一满足", kind === "any"));
    const notBox = el("input", {type: "checkbox", onchange: (e) => onReplace(e.target.checked ? {not: inner} : inner)});
    notBox.checked = negated;
    box.append(el("div", {class: "group-head"}, kindSelect, el("label", {class: "inline"}, notBox, " 取反（不满足）"),
      depth > 0 ? el("button", {type: "button", class: "link remove", text: "删除组",
                                onclick: () => onReplace(null)}) : null));
    children.forEach((child, index) => {
      const replace = (value) => {
        if (value === null) children.splice(index, 1); else children[index] = value;
        changed();
      };
      box.append(isGroup(child) ? renderGroup(child, replace, depth + 1) : renderLeaf(child, replace));
    });
    box.append(el("div", {class: "group-add"},
      el("button", {type: "button", class: "secondary", text: "+ 条件", onclick: () => { children.push(newLeaf()); changed(); }}),
      depth < 7 ? el("button", {type: "button", class: "secondary", text: "+ 条件组",
                                onclick: () => { children.push({all: [newLeaf()]}); changed(); }}) : null));
    return box;
  }

  function isGroup(node) {
    return node && typeof node === "object" && ("all" in node || "any" in node || "not" in node);
  }

  function fieldSelect(leaf, onReplace) {
    const select = el("select", {"aria-label": "字段", class: "field", onchange: (e) => {
      const field = fields[e.target.value];
      const op = field.operators[0].op;
      onReplace({field: e.target.value, op, value: defaultValue(field, op)});
    }});
    const groups = {};
    for (const field of Object.values(fields)) {
      const prefix = field.key.split(".")[0];
      groups[prefix] = groups[prefix] || el("optgroup", {label: GROUP_LABELS[prefix] || prefix});
      groups[prefix].append(option(field.key, field.label, field.key === leaf.field));
    }
    select.append(...Object.values(groups));
    return select;
  }

  const GROUP_LABELS = {member: "会员资料", orders: "订单（实时）", metrics: "会员指标", loyalty: "积分与等级",
                        tag: "标签", insights: "价值模型"};

  function renderLeaf(leaf, onReplace) {
    const field = fields[leaf.field];
    if (!field) return el("div", {class: "leaf error", text: `未知字段 ${leaf.field}`});
    const ops = el("select", {"aria-label": "运算符", class: "op", onchange: (e) => {
      onReplace({...leaf, op: e.target.value, value: defaultValue(field, e.target.value)});
    }}, ...field.operators.map((o) => option(o.op, o.label, o.op === leaf.op)));
    const row = el("div", {class: "leaf"}, fieldSelect(leaf, onReplace), ops, valueInput(field, leaf, onReplace));
    if (field.windowed) row.append(windowInput(leaf, onReplace));
    row.append(el("button", {type: "button", class: "link remove", text: "删除", onclick: () => onReplace(null)}));
    if (field.help) row.title = field.help;
    return row;
  }

  function typed(field, raw) {
    if (field.type === "number" || field.type === "money") return raw === "" ? "" : Number(raw);
    if (field.type === "boolean") return raw === "true";
    return raw;
  }

  function scalarInput(field, value, onValue, op) {
    if (field.choices && op !== "contains") {
      return el("select", {"aria-label": "取值", class: "value", onchange: (e) => onValue(typed(field, e.target.value))},
        ...field.choices.map((c) => option(c.value, c.label, String(c.value) === String(value))));
    }
    if (field.type === "boolean") {
      return el("select", {"aria-label": "取值", class: "value", onchange: (e) => onValue(e.target.value === "true")},
        option("true", "是", value === true), option("false", "否", value === false));
    }
    const type = field.type === "date" && !DAY_OPS.includes(op) ? "date"
      : (["number", "money"].includes(field.type) || DAY_OPS.includes(op)) ? "number" : "text";
    const input = el("input", {type, class: "value", "aria-label": "取值", step: field.type === "money" ? "0.01" : "1"});
    input.value = value ?? "";
    input.addEventListener("input", (e) => onValue(DAY_OPS.includes(op) ? Number(e.target.value) : typed(field, e.target.value)));
    return input;
  }

  function valueInput(field, leaf, onReplace) {
    const set = (value) => { leaf.value = value; changed(false); };
    if (NO_VALUE.includes(leaf.op)) return el("span", {class: "hint", text: "（无需取值）"});
    if (DAY_OPS.includes(leaf.op)) {
      return el("span", {}, scalarInput({...field, type: "number", choices: null}, leaf.value, set, leaf.op), " 天");
    }
    if (leaf.op === "between") {
      const values = Array.isArray(leaf.value) ? leaf.value : ["", ""];
      return el("span", {}, scalarInput(field, values[0], (v) => set([v, values[1]]), leaf.op), " 至 ",
        scalarInput(field, values[1], (v) => set([values[0], v]), leaf.op));
    }
    if (leaf.op === "in" || leaf.op === "not_in") {
      if (field.choices) {
        const select = el("select", {multiple: "", class: "value", "aria-label": "取值（可多选）", onchange: (e) =>
          set([...e.target.selectedOptions].map((o) => typed(field, o.value)))},
          ...field.choices.map((c) => option(c.value, c.label, (leaf.value || []).map(String).includes(String(c.value)))));
        return select;
      }
      const input = el("input", {type: "text", class: "value", placeholder: "多个值用逗号分隔", "aria-label": "取值"});
      input.value = (leaf.value || []).join(",");
      input.addEventListener("input", (e) => set(e.target.value.split(/[,，]/).map((v) => typed(field, v.trim())).filter((v) => v !== "")));
      return input;
    }
    return scalarInput(field, leaf.value, set, leaf.op);
  }

  function windowInput(leaf, onReplace) {
    const win = leaf.window || null;
    const mode = !win ? "none" : ("last_days" in win ? "last" : "range");
    const box = el("span", {class: "window"});
    const select = el("select", {"aria-label": "时间窗口", onchange: (e) => {
      const next = {...leaf};
      if (e.target.value === "none") delete next.window;
      else next.window = e.target.value === "last" ? {last_days: 90} : {from: "", to: ""};
      onReplace(next);
    }}, option("none", "全部时间", mode === "none"), option("last", "最近 N 天", mode === "last"),
    option("range", "日期范围", mode === "range"));
    box.append(select);
    if (mode === "last") {
      const days = el("input", {type: "number", min: "0", class: "days", "aria-label": "天数"});
      days.value = win.last_days;
      days.addEventListener("input", (e) => { leaf.window = {last_days: Number(e.target.value)}; changed(false); });
      box.append(days, " 天");
    } else if (mode === "range") {
      for (const key of ["from", "to"]) {
        const date = el("input", {type: "date", "aria-label": key === "from" ? "开始日期" : "结束日期"});
        date.value = win[key] || "";
        date.addEventListener("input", (e) => {
          leaf.window = {...leaf.window, [key]: e.target.value};
          if (!leaf.window[key]) delete leaf.window[key];
          changed(false);
        });
        box.append(date);
      }
    }
    return box;
  }

  function render() {
    root.replaceChildren(renderGroup(tree, (value) => { tree = value || {all: []}; changed(); }, 0));
  }

  function changed(rerender = true) {
    if (rerender) render();
    const text = JSON.stringify(tree, null, 2);
    store.value = text;
    jsonView.value = text;
    clearTimeout(timer);
    timer = setTimeout(recount, 350);
  }

  async function recount() {
    countOut.textContent = "计算中…";
    countOut.className = "live-count";
    const response = await fetch("/api/conditions/count/", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: JSON.stringify({condition: tree})});
    const data = await response.json();
    if (response.ok) {
      countOut.textContent = `符合条件：${data.count.toLocaleString("zh-CN")} 人（${data.as_of}）`;
      return;
    }
    countOut.className = "live-count error";
    const errors = data.condition || Object.values(data).flat();
    countOut.replaceChildren(el("span", {text: "条件有误："}), el("ul", {}, ...errors.map((e) => el("li", {text: e}))));
  }

  document.getElementById("apply-json").addEventListener("click", () => {
    try {
      const parsed = JSON.parse(jsonView.value);
      if (!isGroup(parsed)) { tree = {all: [parsed]}; } else { tree = parsed; }
      changed();
    } catch (error) {
      countOut.className = "live-count error";
      countOut.textContent = `JSON 格式有误：${error.message}`;
    }
  });

  fetch("/api/conditions/fields/", {credentials: "same-origin"}).then((r) => r.json()).then((list) => {
    for (const field of list) fields[field.key] = field;
    let initial = null;
    try { initial = JSON.parse(store.value || "null"); } catch (error) { initial = null; }
    tree = isGroup(initial) ? initial : (initial ? {all: [initial]} : {all: []});
    if (tree.all && tree.all.length === 0) tree.all.push(newLeaf());  // a new segment starts with one leaf
    changed();
  });
})();
