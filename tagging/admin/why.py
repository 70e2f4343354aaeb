"""Why a member holds a tag, as HTML for the membership page: who and why for static tags; the rule
version, the leaf values when it went on and `explain` now (✓/✗ per leaf) for dynamic tags; the value
and its evidence for variable tags. Free text and member values pass through `shown` (masking for
staff who may not see phones)."""

from collections.abc import Callable

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from members.conditions.explain import explain
from members.conditions.operators import LABELS
from members.conditions.tree import ConditionError, Leaf, parse
from members.models import Channel
from tagging.models import TagKind, TagMembership

GROUP_LABELS = {"all": "以下全部满足", "any": "以下满足任一", "not": "以下不成立"}
# The evidence keys the extractors write (tagging/extractors/), as staff read them; others show as they are.
EVIDENCE_LABELS = {
    "orders": "订单数", "key_orders": "相关订单数", "share": "占比", "amount": "金额（元）", "total": "总金额（元）",
    "rank": "排名", "average": "平均单价（元）", "items": "商品件数", "median_days": "购买间隔中位数（天）",
    "paid_on": "付款日期", "sku": "SKU", "title": "商品名称", "price": "单价（元）", "quantity": "数量",
    "store_code": "门店编码", "channel": "渠道", "note": "备注",
}
Shown = Callable[[object], object]


def plain(value) -> str:
    """A member's value as staff read it."""
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(plain(item) for item in value)
    return str(value)


def _verdict(passed: bool):
    return format_html('<span class="verdict" title="{}">{}</span>', "满足" if passed else "不满足",
                       "✓" if passed else "✗")


def explain_html(node: dict, shown: Shown) -> str:
    """One node of Explanation.as_dict()["tree"] and its children as nested lists."""
    css = "pass" if node["passed"] else "fail"
    if "group" in node:
        children = format_html_join("", "{}", ((explain_html(child, shown),) for child in node["children"]))
        return format_html('<li class="{}">{}<span class="group-label">{}</span> <span class="leaf-path">{}</span>'
                           "<ul>{}</ul></li>", css, _verdict(node["passed"]), GROUP_LABELS[node["group"]],
                           node["path"], children)
    window = format_html("（{}）", node["window"]) if node["window"] else ""
    return format_html('<li class="{}">{}{}{} {} {} — 实际：<span class="actual">{}</span> '
                       '<span class="leaf-path">{}</span></li>', css, _verdict(node["passed"]), node["label"], window,
                       node["op_label"], plain(shown(node["value"])), plain(shown(node["actual"])), node["path"])


def _static(row: TagMembership, shown: Shown) -> str:
    who = row.actor.get_username() if row.actor_id else "系统"
    parts = [format_html("<p>由 <strong>{}</strong> 于 {} 打上。原因：{}</p>", who,
                         date_format(timezone.localtime(row.since), "Y-m-d H:i"), shown(row.reason) or "（未填写）")]
    if row.ends_on:
        parts.append(format_html("<p>到期日：{}（过后自动取下）</p>", row.ends_on))
    if row.origin_member_id != row.member_id:
        parts.append(format_html("<p>来自会员合并：原属会员 {}</p>", row.origin_member.code))
    return format_html_join("", "{}", ((part,) for part in parts))


def _leaf_labels(row: TagMembership) -> dict[str, str]:
    """Leaf path → "城市 等于 上海市" under the tag's current rule, when the membership's version is it."""
    if row.rule_version != row.tag.rule_version:
        return {}
    try:
        tree = parse(row.tag.condition)
    except ConditionError:
        return {}
    labels, stack = {}, [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Leaf):
            labels[node.path] = f"{node.field.label} {LABELS.get(node.op, node.op)} {plain(node.raw_value)}"
        else:
            stack.extend(node.children)
    return labels


def _snapshot(row: TagMembership, shown: Shown) -> str:
    if not row.leaf_values:
        return format_html('<p class="help">没有记录打标时的取值。</p>')
    labels = _leaf_labels(row)
    items = []
    for path, taken in sorted(row.leaf_values.items()):
        actual, passed = (taken.get("actual"), taken.get("passed")) if isinstance(taken, dict) else (taken, None)
        verdict = _verdict(passed) if passed is not None else ""
        items.append((path or "（整个条件）", labels.get(path, ""), verdict, plain(shown(actual))))
    rows = format_html_join("", '<tr><td class="leaf-path">{}</td><td>{}</td><td>{}{}</td></tr>', items)
    return format_html('<table class="why-table"><thead><tr><th>条件位置</th><th>条件</th><th>当时取值</th></tr>'
                       "</thead><tbody>{}</tbody></table>", rows)


def _explained_now(row: TagMembership, shown: Shown) -> str:
    try:
        explanation = explain(row.tag.condition, row.member)
    except ConditionError as error:
        return format_html('<p class="errornote">标签条件现在无法计算：{}</p>', "；".join(error.errors))
    verdict = "现在仍满足条件" if explanation.matches else "现在已不满足条件"
    if not explanation.matches and row.unmet_since:
        verdict += f"（自 {row.unmet_since} 起；标签保留 {row.tag.keep_days} 天后取下）"
    tree = explanation.as_dict()["tree"]
    return format_html('<p><strong>{}</strong>（按 {} 的数据）</p><ul class="why-tree">{}</ul>', verdict,
                       explanation.as_of, explain_html(tree, shown))


def _dynamic(row: TagMembership, shown: Shown) -> str:
    version = row.rule_version or "-"
    note = ("" if row.rule_version in (None, row.tag.rule_version)
            else format_html("（标签规则已更新到第 {} 版）", row.tag.rule_version))
    return format_html('<p>按标签规则第 <strong>{}</strong> 版于 {} 打上{}。</p><h3>打标时的取值</h3>{}'
                       "<h3>现在的判断</h3>{}", version, date_format(timezone.localtime(row.since), "Y-m-d H:i"),
                       note, _snapshot(row, shown), _explained_now(row, shown))


def _variable(row: TagMembership, shown: Shown) -> str:
    evidence = row.evidence if isinstance(row.evidence, dict) else {}
    text = evidence.get("text")
    others = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", (
        (EVIDENCE_LABELS.get(key, key), _evidence_value(key, shown(value)))
        for key, value in sorted(evidence.items()) if key != "text"))
    return format_html("<p>取值：<strong>{}</strong></p><p>依据：{}</p>{}", row.value or "（空）",
                       shown(text) or "（无说明）",
                       format_html('<table class="why-table">{}</table>', others) if others else "")


def _evidence_value(key: str, value) -> str:
    if key == "share" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.0%}"
    if key == "channel" and isinstance(value, str):
        return Channel(value).label if value in Channel.values else value
    return plain(value)


def why_html(row: TagMembership, shown: Shown) -> str:
    body = {TagKind.STATIC: _static, TagKind.DYNAMIC: _dynamic, TagKind.VARIABLE: _variable}[row.tag.kind](row, shown)
    return format_html('<div class="why-section">{}</div>', body)


def why_summary(row: TagMembership, shown: Shown) -> str:
    """One line for the list page."""
    if row.tag.kind == TagKind.DYNAMIC:
        return f"规则第 {row.rule_version or '-'} 版"
    if row.tag.kind == TagKind.VARIABLE:
        evidence = row.evidence if isinstance(row.evidence, dict) else {}
        return shown(evidence.get("text")) or "-"
    who = row.actor.get_username() if row.actor_id else "系统"
    return f"{who}：{shown(row.reason) or '（未填写原因）'}"
