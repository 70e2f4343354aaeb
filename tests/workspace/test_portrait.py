"""The text portrait (workspace/portrait.py) on card data alone: no database, no clock.

The card dicts here have the shape the sections give (members/card_parts.py, loyalty/card.py,
insights/card.py); `profile_for` derives age and birthday distance the way the profile section does.
"""

import math
import re
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from members.card_parts import age_on, next_birthday
from workspace.portrait import actions, sentences

TODAY = date(2026, 12, 6)
FORBIDDEN = re.compile(r"None|(?<![\d.])0 岁|nan|NaN|inf|\{|\}|\[\]|\[|\]", re.IGNORECASE)


def profile_for(*, birthday=None, gender="", city="", district="", province="", sms_consent="", today=TODAY, **more):
    upcoming = next_birthday(birthday, today)
    return {"name": "王芳", "gender": gender, "age": age_on(birthday, today), "birthday": birthday,
            "next_birthday": upcoming, "days_to_birthday": (upcoming - today).days if upcoming else None,
            "province": province, "city": city, "district": district, "sms_consent": sms_consent, **more}


def level(name="金卡", *, metric="window_paid", next_name="白金", threshold="20000", gap="1200", unit="", role="消费者"):
    nxt = None if next_name is None else {"name": next_name, "threshold": Decimal(threshold), "gap": Decimal(gap),
                                          "text": f"再消费 ¥{gap} 升级{next_name}"}
    return {"role": role, "level": name, "metric": metric, "unit": unit, "next": nxt}


def habits(**fields):
    values = {"orders_365d": 8, "paid_365d": Decimal("6420.00"), "orders_total": 8, "paid_total": Decimal("6420.00"),
              "channels_365d": ["天猫", "门店POS"], "top_category": {"name": "护肤", "share": 0.62},
              "top_store": {"name": "静安店", "orders": 5}, "purchase_interval_days": Decimal("46.0"),
              "last_order_date": TODAY - timedelta(days=52), "days_since_last_order": 52}
    return {**values, **fields}


def points(available=1280, expiring=((date(2026, 12, 31), 200),), name="积分"):
    rows = [{"on": on, "points": n} for on, n in expiring]
    return {"type": name, "available": available, "expiring": rows, "expiring_total": sum(n for _, n in expiring)}


def rich_card(**override):
    card = {
        "profile": profile_for(birthday=date(1993, 12, 18), gender="F", province="上海市", city="上海市", district="静安区",
                               sms_consent="granted"),
        "levels": [level()],
        "habits": habits(),
        "points": [points()],
        "values": [{"model": "CLV", "churn_risk": 0.2}],
    }
    card.update(override)
    return card


def texts(card) -> list[str]:
    return [s.text for s in sentences(card)]


# --- rich, sparse and empty -------------------------------------------------------------------------

def test_a_rich_member_reads_as_the_issue_describes():
    assert texts(rich_card()) == [
        "32 岁女士，上海静安。",
        "金卡会员，距白金还差 ¥1,200。",
        "近一年在天猫和门店POS共消费 8 笔、¥6,420，偏好护肤（62%），常去静安店；平均 46 天买一次，距上次已 52 天。",
        "积分 1,280，其中 200 将于 12 月 31 日过期。",
        "生日 12 月 18 日（12 天后）。",
    ]


def test_each_sentence_of_a_rich_card_names_the_fields_it_used():
    found = {s.text[:4]: s.fields for s in sentences(rich_card())}
    assert found["32 岁"] == ["年龄", "性别", "城市", "区县"]
    assert found["金卡会员"] == ["等级", "升级门槛", "评级指标"]
    assert {"近365天订单", "近365天实付净额", "品类占比", "消费门店", "购买间隔中位数", "末单日期"} <= set(found["近一年在"])
    assert found["积分 1"] == ["积分余额", "积分批次到期日"]
    assert found["生日 1"] == ["生日"]


def test_a_man_without_a_known_age_is_a_gentleman_of_his_city():
    card = {"profile": profile_for(gender="M", city="北京市", district="朝阳区")}
    assert texts(card)[0] == "先生，北京朝阳。"


def test_an_age_without_a_gender_is_a_customer():
    card = {"profile": profile_for(birthday=date(1990, 1, 1), province="浙江省")}
    assert texts(card)[0] == "36 岁顾客，浙江。"


def test_more_expiring_points_later_in_the_window_are_mentioned():
    card = rich_card(points=[points(expiring=((date(2026, 12, 31), 200), (date(2027, 1, 20), 50)))])
    assert "积分 1,280，其中 200 将于 12 月 31 日过期（60 天内另有 50 陆续过期）。" in texts(card)


def test_the_level_gap_is_in_the_metric_s_own_unit():
    card = {"levels": [level("银卡", metric="window_orders", next_name="金卡", threshold="5", gap="2"),
                       level("新手", metric="lifetime_earned", next_name="团长", threshold="1000", gap="120",
                             unit="成长值", role="代理")]}
    assert texts(card)[0] == "消费者：银卡会员，距金卡还差 2 单；代理：新手会员，距团长还差 120 成长值。"


def test_the_top_level_says_only_the_level():
    assert texts({"levels": [level(next_name=None)]})[0] == "金卡会员。"


def test_a_member_who_did_not_buy_this_year_is_told_when_she_last_did():
    card = {"habits": habits(orders_365d=0, paid_365d=Decimal("0"), orders_total=3, paid_total=Decimal("880.50"),
                             last_order_date=date(2025, 3, 8), days_since_last_order=638, top_category=None,
                             top_store=None, channels_365d=[])}
    assert texts(card) == ["近一年没有消费，上次消费在 2025 年 3 月 8 日，累计 3 笔、¥880.50；平均 46 天买一次。"]


def test_a_birthday_today_and_tomorrow_read_in_words():
    assert texts({"profile": profile_for(birthday=date(1990, 12, 6))})[-1] == "生日 12 月 6 日（今天）。"
    assert texts({"profile": profile_for(birthday=date(1990, 12, 7))})[-1] == "生日 12 月 7 日（明天）。"


def test_sparse_data_gives_a_shorter_portrait_without_placeholders():
    # Given only a name
    card = {"profile": {"name": "王芳", "gender": "", "age": None, "birthday": None, "next_birthday": None,
                        "days_to_birthday": None, "province": "", "city": "", "district": "", "sms_consent": ""}}

    found = sentences(card)

    assert [s.text for s in found] == ["还没有消费记录。"]
    assert len(found) < len(sentences(rich_card()))


def test_an_empty_card_still_reads():
    assert texts({}) == ["还没有消费记录。"]
    assert [a.text for a in actions({}, TODAY)] == ["尚未记录短信营销授权：当面征得同意并登记凭据"]


# --- actions and their score --------------------------------------------------------------------------

def scores(card) -> dict[str, float]:
    return {a.fields[0]: a.score for a in actions(card, TODAY)}


def test_a_birthday_in_3_days_ranks_above_points_expiring_in_50_days():
    card = rich_card(profile=profile_for(birthday=date(1990, 12, 9), sms_consent="granted"),
                     points=[points(expiring=((TODAY + timedelta(days=50), 300),))], levels=[], habits=None)

    ranked = actions(card, TODAY)

    assert [a.text for a in ranked] == ["生日在3 天后：准备生日关怀或礼遇",
                                        "300 积分将于 1 月 25 日过期：提醒顾客兑换使用"]
    assert [a.score for a in ranked] == [84, 55]


def test_each_action_is_scored_as_documented():
    card = rich_card(
        profile=profile_for(birthday=date(1990, 12, 16)),                      # in 10 days: 90 − 20 = 70
        points=[points(expiring=((TODAY + timedelta(days=20), 100),))],          # in 20 days: 80 − 10 = 70
        habits=habits(purchase_interval_days=Decimal("30"), days_since_last_order=60),  # 60 + 10 × (2 − 1) = 70
        values=[{"model": "CLV", "churn_risk": 0.8}],                           # 50 + 30 × 0.8 = 74
        levels=[level(threshold="1000", gap="100")],                            # 45 + 25 × 0.9 = 67.5
    )                                                                           # no consent: 30
    found = scores(card)
    assert found == {"生日": 70, "积分批次到期日": 70, "购买间隔中位数": 70, "流失风险": 74, "升级门槛": 67.5,
                     "营销授权": 30}
    ranked = [a.score for a in actions(card, TODAY)]
    assert ranked == sorted(ranked, reverse=True)
    assert ranked[0] == 74 and ranked[-1] == 30


def test_a_cycle_far_overdue_is_capped_at_85_and_churn_risk_is_named():
    card = {"habits": habits(purchase_interval_days=Decimal("10"), days_since_last_order=300),
            "values": [{"model": "CLV", "churn_risk": 0.9}], "profile": profile_for(sms_consent="granted")}
    ranked = actions(card, TODAY)
    assert [a.score for a in ranked] == [85, 77]
    assert ranked[0].text == "已超过平时购买周期（平均 10 天，距上次 300 天）：主动问候、推荐回购"
    assert ranked[1].text == "流失风险 90%（CLV）：优先回访"


def test_actions_stay_quiet_below_their_thresholds():
    card = rich_card(
        profile=profile_for(birthday=date(1990, 12, 21), sms_consent="withdrawn"),  # 15 days away; consent asked
        points=[points(expiring=())],
        habits=habits(purchase_interval_days=Decimal("30"), days_since_last_order=36),  # exactly 1.2 × the cycle
        values=[{"model": "CLV", "churn_risk": 0.49}],
        levels=[level(threshold="1000", gap="201")],                                 # 20.1 % away
    )
    assert actions(card, TODAY) == []


def test_a_birthday_today_scores_highest():
    card = {"profile": profile_for(birthday=date(1990, 12, 6), sms_consent="granted")}
    assert [(a.text, a.score) for a in actions(card, TODAY)] == [("生日在今天：准备生日关怀或礼遇", 90)]


def test_every_sentence_and_action_of_the_rich_card_carries_text_and_fields():
    card = rich_card(profile=profile_for(birthday=date(1990, 12, 9)))
    for item in [*sentences(card), *actions(card, TODAY)]:
        assert item.text.strip() and item.fields and all(f.strip() for f in item.fields)


# --- property: missing, None and zero never leak into the words --------------------------------------

def maybe(strategy):
    """A field that is missing (None here: left out), None, zero / empty, or a value."""
    return st.one_of(st.just("missing"), st.none(), strategy)


names = st.sampled_from(["", "上海市", "静安区", "浙江省", "杭州市", "西湖区", "县"])
money = st.decimals(min_value=0, max_value=100000, places=2)


@st.composite
def profiles(draw):
    birthday = draw(st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))))
    fields = profile_for(birthday=birthday, today=TODAY, gender=draw(st.sampled_from(["", "F", "M", None])),
                         province=draw(st.one_of(st.none(), names)), city=draw(st.one_of(st.none(), names)),
                         district=draw(st.one_of(st.none(), names)),
                         sms_consent=draw(st.sampled_from(["", None, "granted", "withdrawn"])))
    drop = draw(st.sets(st.sampled_from(sorted(fields))))
    if birthday is not None:
        drop -= {"birthday", "next_birthday", "days_to_birthday"}  # the section gives the three together
    return {k: v for k, v in fields.items() if k not in drop}


@st.composite
def habit_rows(draw):
    orders_365d = draw(st.integers(0, 50))
    last = draw(st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=TODAY)))
    row = {
        "orders_365d": orders_365d, "paid_365d": draw(money), "orders_total": orders_365d + draw(st.integers(0, 9)),
        "paid_total": draw(money),
        "channels_365d": draw(st.lists(st.sampled_from(["天猫", "京东", "门店POS"]), max_size=3, unique=True)),
        "top_category": draw(st.one_of(st.none(), st.builds(lambda n, s: {"name": n, "share": s},
                                                            st.sampled_from(["护肤", "彩妆"]),
                                                            st.floats(0.0001, 1.0)))),
        "top_store": draw(st.one_of(st.none(), st.just({"name": "静安店", "orders": 2}))),
        "purchase_interval_days": draw(st.one_of(st.none(), st.just(Decimal("0")),
                                                 st.decimals(min_value=1, max_value=400, places=1))),
        "last_order_date": last, "days_since_last_order": (TODAY - last).days if last else None,
    }
    optional = {"channels_365d", "top_category", "top_store", "purchase_interval_days", "last_order_date",
                "days_since_last_order"}
    drop = draw(st.sets(st.sampled_from(sorted(optional))))
    return {k: v for k, v in row.items() if k not in drop}


@st.composite
def point_rows(draw):
    expiring = draw(st.lists(st.tuples(st.dates(min_value=TODAY, max_value=TODAY + timedelta(days=60)),
                                       st.integers(1, 10000)), max_size=3, unique_by=lambda t: t[0]))
    return points(available=draw(st.integers(0, 100000)), expiring=sorted(expiring),
                  name=draw(st.sampled_from(["积分", "成长值"])))


@st.composite
def level_rows(draw):
    metric = draw(st.sampled_from(["window_paid", "window_orders", "lifetime_earned", "window_earned"]))
    threshold = draw(st.integers(0, 50000))
    gap = draw(st.integers(0, threshold))
    top = draw(st.booleans())
    return level(draw(st.sampled_from(["普通", "银卡", "金卡会员"])), metric=metric,
                 next_name=None if top else "白金", threshold=str(threshold), gap=str(gap),
                 unit=draw(st.sampled_from(["", "成长值", None])))


@st.composite
def cards(draw):
    card = {
        "profile": draw(st.one_of(st.none(), profiles())),
        "levels": draw(st.one_of(st.none(), st.lists(level_rows(), max_size=2))),
        "habits": draw(st.one_of(st.none(), habit_rows())),
        "points": draw(st.one_of(st.none(), st.lists(point_rows(), max_size=2))),
        "values": draw(st.one_of(st.none(), st.lists(st.builds(
            lambda risk: {"model": "CLV", "churn_risk": risk}, st.one_of(st.none(), st.floats(0, 1))), max_size=2))),
    }
    drop = draw(st.sets(st.sampled_from(sorted(card))))
    return {k: v for k, v in card.items() if k not in drop}


@settings(max_examples=300, deadline=None)
@given(cards())
def test_no_card_ever_prints_a_placeholder(card):
    found = sentences(card)
    ranked = actions(card, TODAY)

    assert found, "a portrait always has at least one sentence"
    for item in [*found, *ranked]:
        assert item.text.strip()
        assert not FORBIDDEN.search(item.text), item.text
    for action in ranked:
        assert action.fields and all(f.strip() for f in action.fields)
        assert math.isfinite(action.score) and 0 <= action.score <= 100
    assert [a.score for a in ranked] == sorted((a.score for a in ranked), reverse=True)


PROVINCE_ONLY = {"profile": profile_for(province="上海市")}


def test_a_place_from_the_province_alone_is_said_and_traced_to_the_province():
    assert texts(PROVINCE_ONLY) == ["上海。", "还没有消费记录。"]
    assert sentences(PROVINCE_ONLY)[0].fields == ["省份"]


@settings(max_examples=300, deadline=None)
@example(PROVINCE_ONLY)
@given(cards())
def test_every_sentence_names_the_fields_it_used(card):
    for sentence in sentences(card):
        assert sentence.fields and all(f.strip() for f in sentence.fields), sentence
