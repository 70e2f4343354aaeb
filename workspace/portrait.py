"""The text portrait (文字画像): a few plain Chinese sentences about a member, and the actions a
guide could take now, both built by rules from the card's data (members/card.py) — deterministic,
no external service.

Every sentence and action carries the fields it used (shown on hover / tap), and a missing fact
shortens the portrait instead of printing "None" or "0 岁".

Actions are ranked by a score from 0 to 100 (higher first):
- birthday within 14 days: 90 − 2 × days until it;
- points expiring within 60 days: 80 − days until the first expiry ÷ 2 (50 to 80);
- past the usual purchase cycle (days since the last order > 1.2 × the median gap):
  60 + 10 × (days since ÷ median gap − 1), at most 85;
- churn risk (1 − probability alive, CLV model) ≥ 50 %: 50 + 30 × risk;
- within 20 % of the next level's threshold (not yet reached): 45 + 25 × (1 − gap ÷ threshold);
- no SMS consent recorded yet: 30.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

BIRTHDAY_SOON_DAYS = 14
CYCLE_SLACK = Decimal("1.2")
CHURN_ALERT = 0.5
NEAR_LEVEL_SHARE = Decimal("0.2")


@dataclass(frozen=True)
class Sentence:
    text: str
    fields: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Action:
    text: str
    score: float
    fields: list[str] = field(default_factory=list)


def money(amount) -> str:
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    return f"¥{value:,.0f}" if value == value.to_integral_value() else f"¥{value:,.2f}"


def month_day(day: date) -> str:
    return f"{day.month} 月 {day.day} 日"


def _short_place(name: str, suffixes: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in suffixes else name


def _relative_days(days: int) -> str:
    return {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{days} 天后")


def _who(profile: dict) -> Sentence | None:
    age, gender = profile.get("age"), profile.get("gender")
    person = {"F": "女士", "M": "先生"}.get(gender, "")
    head = f"{age} 岁{person or '顾客'}" if age else person
    place = _short_place(profile.get("city") or profile.get("province") or "", "市省") + \
        _short_place(profile.get("district") or "", "区县")
    parts = [p for p in (head, place) if p]
    if not parts:
        return None
    used = [name for name, present in (("年龄", age), ("性别", person), ("城市", profile.get("city")),
                                       ("省份", not profile.get("city") and profile.get("province")),
                                       ("区县", profile.get("district"))) if present]
    return Sentence("，".join(parts) + "。", used)


def _levels(levels: list[dict]) -> Sentence | None:
    parts = []
    for entry in levels:
        text = f"{entry['level']}{'会员' if not entry['level'].endswith('会员') else ''}"
        if entry.get("next"):
            gap = entry["next"]["gap"]
            if gap <= 0:
                text += f"，已达到{entry['next']['name']}门槛"
            elif entry["metric"] == "window_paid":
                text += f"，距{entry['next']['name']}还差 {money(gap)}"
            elif entry["metric"] == "window_orders":
                text += f"，距{entry['next']['name']}还差 {int(gap)} 单"
            else:
                text += f"，距{entry['next']['name']}还差 {int(gap):,} {entry.get('unit') or '分'}"
        if len(levels) > 1:
            text = f"{entry['role']}：{text}"
        parts.append(text)
    return Sentence("；".join(parts) + "。", ["等级", "升级门槛", "评级指标"]) if parts else None


def _buying(habits: dict | None) -> Sentence:
    if not habits:
        return Sentence("还没有消费记录。", ["订单"])
    fields = ["近365天订单", "近365天实付净额"]
    if habits["orders_365d"]:
        where = "和".join(habits.get("channels_365d") or [])
        text = f"近一年{'在' + where if where else ''}共消费 {habits['orders_365d']} 笔、{money(habits['paid_365d'])}"
        if habits.get("top_category"):
            text += f"，偏好{habits['top_category']['name']}（{habits['top_category']['share']:.0%}）"
            fields.append("品类占比")
        if habits.get("top_store"):
            text += f"，常去{habits['top_store']['name']}"
            fields.append("消费门店")
    else:
        last = habits.get("last_order_date")
        text = "近一年没有消费" + (f"，上次消费在 {last.year} 年 {month_day(last)}" if last else "")
        text += f"，累计 {habits['orders_total']} 笔、{money(habits['paid_total'])}"
        fields += ["末单日期", "累计订单"]
    interval, since = habits.get("purchase_interval_days"), habits.get("days_since_last_order")
    tail = []
    if interval:
        tail.append(f"平均 {Decimal(interval):.0f} 天买一次")
        fields.append("购买间隔中位数")
    if since is not None and habits["orders_365d"]:
        tail.append(f"距上次已 {since} 天")
        fields.append("末单日期")
    return Sentence(text + ("；" + "，".join(tail) if tail else "") + "。", fields)


def _points(points: list[dict] | None) -> Sentence | None:
    parts = []
    for account in points or []:
        if not account["available"] and not account["expiring"]:
            continue
        text = f"{account['type']} {account['available']:,}"
        if account["expiring"]:
            first = account["expiring"][0]
            text += f"，其中 {first['points']:,} 将于 {month_day(first['on'])}过期"
            later = account["expiring_total"] - first["points"]
            if later:
                text += f"（60 天内另有 {later:,} 陆续过期）"
        parts.append(text)
    return Sentence("；".join(parts) + "。", ["积分余额", "积分批次到期日"]) if parts else None


def _birthday(profile: dict) -> Sentence | None:
    if not profile.get("next_birthday"):
        return None
    return Sentence(f"生日 {month_day(profile['birthday'])}（{_relative_days(profile['days_to_birthday'])}）。", ["生日"])


def sentences(card: dict) -> list[Sentence]:
    profile = card.get("profile") or {}
    found = [_who(profile), _levels(card.get("levels") or []), _buying(card.get("habits")),
             _points(card.get("points")), _birthday(profile)]
    return [s for s in found if s is not None]


def actions(card: dict, today: date) -> list[Action]:
    profile, habits = card.get("profile") or {}, card.get("habits") or {}
    found: list[Action] = []
    days = profile.get("days_to_birthday")
    if days is not None and days <= BIRTHDAY_SOON_DAYS:
        found.append(Action(f"生日在{_relative_days(days)}：准备生日关怀或礼遇", 90 - 2 * days, ["生日"]))
    for account in card.get("points") or []:
        if account["expiring"]:
            first = account["expiring"][0]
            until = (first["on"] - today).days
            found.append(Action(f"{first['points']:,} {account['type']}将于 {month_day(first['on'])}过期：提醒顾客兑换使用",
                                max(30.0, 80 - until / 2), ["积分批次到期日"]))
    interval, since = habits.get("purchase_interval_days"), habits.get("days_since_last_order")
    if interval and since is not None and Decimal(since) > CYCLE_SLACK * Decimal(interval):
        ratio = float(Decimal(since) / Decimal(interval))
        found.append(Action(f"已超过平时购买周期（平均 {Decimal(interval):.0f} 天，距上次 {since} 天）：主动问候、推荐回购",
                            min(85.0, 60 + 10 * (ratio - 1)), ["购买间隔中位数", "末单日期"]))
    for value in card.get("values") or []:
        risk = value.get("churn_risk")
        if risk is not None and float(risk) >= CHURN_ALERT:
            found.append(Action(f"流失风险 {float(risk):.0%}（{value['model']}）：优先回访", 50 + 30 * float(risk),
                                ["流失风险"]))
    for entry in card.get("levels") or []:
        nxt = entry.get("next")
        if nxt and Decimal(nxt["threshold"]) > 0 and 0 < Decimal(nxt["gap"]) <= NEAR_LEVEL_SHARE * Decimal(nxt["threshold"]):
            share = Decimal(nxt["gap"]) / Decimal(nxt["threshold"])
            found.append(Action(f"{nxt['text']}：可推荐合适商品", 45 + 25 * float(1 - share), ["升级门槛", "评级指标"]))
    if not profile.get("sms_consent"):
        found.append(Action("尚未记录短信营销授权：当面征得同意并登记凭据", 30, ["营销授权"]))
    return sorted(found, key=lambda action: -action.score)

