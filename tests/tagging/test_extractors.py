"""Extractors of variable tags: each one's value and evidence on small hand-made orders, the tag's
minimum of orders, the Shanghai window, refunds, ties, who is left out, and the SQL agreeing with a
plain Python computation on random orders."""

import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.conditions.registry import FieldContext, fields
from members.conditions.windows import SHANGHAI, resolve_window
from members.models import MemberStatus, Order, Store
from members.models.choices import PAID_STATUSES, Channel
from tagging.extractors import ExtractorError, extractors
from tagging.extractors.cycle import day_labels
from tagging.extractors.params import band_of
from tagging.extractors.price_band import price_labels
from tests.conftest import at
from tests.members.conditions.helpers import make_member

from .extractor_helpers import a_variable_tag, an_order, desired, line, values_of

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
CODES = ["favourite_category", "favourite_sku", "frequent_store", "preferred_channel", "price_band",
         "purchase_cycle", "last_product"]


def a_regular(member=None, *, store=None, days=(1, 11, 21)):
    """A member with a few March orders that give every extractor a value."""
    member = member or make_member()
    for day in days:
        an_order(member, at(f"2026-03-{day:02d}"), paid="200", channel="tmall", store=store,
                 lines=[line("护肤", "SKU-1", "保湿面霜", "200")])
    return member


# --- the registry ---------------------------------------------------------------------------------

def test_every_shipped_extractor_is_registered_with_a_chinese_label_and_help():
    # When the admin asks for the choices
    choices = dict(extractors.choices())

    # Then every shipped extractor is there, labelled and explained in Chinese, and unknown codes are None
    assert list(choices) == CODES
    for code in CODES:
        extractor = extractors.get(code)
        assert extractor.code == code and extractor.label == choices[code]
        assert "window_days" in extractor.help and "统计天数" in extractor.help
    assert extractors.get("nope") is None and extractors.get("") is None


# --- favourite category / SKU by spend ---------------------------------------------------------------

def test_favourite_category_is_the_top_spend_with_share_and_order_count_as_evidence():
    # Given ¥2,340 of skin care, ¥600 of make-up and a ¥160 order without lines: ¥3,100 in 5 orders
    member = make_member()
    an_order(member, at("2026-03-01"), paid="1000", lines=[line("护肤", price="1000")])
    an_order(member, at("2026-03-02"), paid="1340", lines=[line("护肤", price="1340")])
    an_order(member, at("2026-03-03"), paid="400", lines=[line("彩妆", price="400")])
    an_order(member, at("2026-03-04"), paid="200", lines=[line("彩妆", price="200")])
    an_order(member, at("2026-03-05"), paid="160")
    tag = a_variable_tag("favourite_category")

    # When the extractor runs
    found = desired(tag, AS_OF)

    # Then the member's favourite is skin care, with the numbers behind it
    [(value, evidence)] = found[member.pk]
    assert value == "护肤"
    assert evidence == {"text": "护肤 ¥2,340 / 总 ¥3,100（75%），5 笔订单", "amount": "2340.00", "total": "3100.00",
                        "share": 0.7548, "orders": 5, "key_orders": 2, "rank": 1}


def test_top_n_gives_the_first_n_categories_each_with_its_rank_and_share():
    # Given three categories bought
    member = make_member()
    an_order(member, at("2026-03-01"), paid="600", lines=[line("护肤", price="300"), line("彩妆", price="200"),
                                                          line("香水", price="100")])
    tag = a_variable_tag("favourite_category", {"top": 2})

    # When the top two are asked for
    found = desired(tag, AS_OF)[member.pk]

    # Then the two biggest come, in rank order
    assert [(value, ev["rank"], ev["share"], ev["amount"]) for value, ev in found] == [
        ("护肤", 1, 0.5, "300.00"), ("彩妆", 2, 0.3333, "200.00")]


def test_refunds_are_shared_out_over_the_order_lines_and_wholly_refunded_orders_do_not_count():
    # Given an order of ¥300 (¥100 make-up + ¥200 skin care) with ¥240 refunded,
    # and a wholly refunded ¥1,000 perfume order
    member = make_member()
    an_order(member, at("2026-03-01"), paid="300", refunded="240",
             lines=[line("彩妆", price="100"), line("护肤", price="100", quantity=2)])
    an_order(member, at("2026-03-02"), paid="1000", refunded="1000", status="refunded",
             lines=[line("香水", price="1000")])
    an_order(member, at("2026-03-03"), paid="1000", refunded="1000", lines=[line("香水", price="1000")])
    tag = a_variable_tag("favourite_category", {"top": 3})

    # When the extractor runs
    found = desired(tag, AS_OF)[member.pk]

    # Then the ¥60 net is shared 1:2, and perfume, refunded whole, is nowhere
    assert [(value, ev["amount"], ev["total"], ev["orders"]) for value, ev in found] == [
        ("护肤", "40.00", "60.00", 1), ("彩妆", "20.00", "60.00", 1)]


def test_an_order_of_free_lines_shares_its_amount_equally_and_blank_categories_name_nothing():
    # Given a ¥90 order whose three lines are all priced 0, one without a category
    member = make_member()
    an_order(member, at("2026-03-01"), paid="90", lines=[line("赠品", price="0"), line("护肤", price="0"),
                                                         line("", price="0")])
    tag = a_variable_tag("favourite_category", {"top": 5})

    # When the extractor runs
    found = desired(tag, AS_OF)[member.pk]

    # Then each line had ¥30, the blank one counts in the total but is no value
    assert [(value, ev["amount"], ev["total"]) for value, ev in found] == [
        ("护肤", "30.00", "90.00"), ("赠品", "30.00", "90.00")]


def test_favourite_sku_is_by_spend_not_by_quantity():
    # Given many cheap items of one SKU and one dear item of another
    member = make_member()
    an_order(member, at("2026-03-01"), paid="550", lines=[line("护肤", "SKU-CHEAP", price="10", quantity=5),
                                                          line("护肤", "SKU-DEAR", price="500")])
    tag = a_variable_tag("favourite_sku")

    # Then the dear SKU is the favourite
    assert values_of(tag, AS_OF)[member.pk] == ["SKU-DEAR"]


def test_equal_spend_goes_to_the_lower_key_every_time():
    # Given two categories with exactly the same spend, inserted in the "wrong" order
    member = make_member()
    an_order(member, at("2026-03-01"), paid="200", lines=[line("b-品类", price="100"), line("a-品类", price="100")])
    tag = a_variable_tag("favourite_category")

    # When the extractor runs twice
    # Then both runs name the lower key
    assert values_of(tag, AS_OF)[member.pk] == values_of(tag, AS_OF)[member.pk] == ["a-品类"]


# --- most frequent store, preferred channel ---------------------------------------------------------

def test_frequent_store_counts_orders_not_money_and_online_orders_name_no_store():
    # Given 2 orders at 静安店, 1 dearer order at 徐汇店 and 3 online orders
    member = make_member()
    jingan = Store.objects.create(code="S01", name="静安店")
    xuhui = Store.objects.create(code="S02", name="徐汇店")
    an_order(member, at("2026-03-01"), paid="100", store=jingan)
    an_order(member, at("2026-03-02"), paid="150.50", store=jingan)
    an_order(member, at("2026-03-03"), paid="5000", store=xuhui)
    for day in (4, 5, 6):
        an_order(member, at(f"2026-03-0{day}"), paid="900", channel="tmall")
    tag = a_variable_tag("frequent_store")

    # When the extractor runs
    [(value, evidence)] = desired(tag, AS_OF)[member.pk]

    # Then 静安店 it is, with its share of the 3 store orders
    assert value == "静安店"
    assert evidence == {"text": "静安店 2 笔 / 共 3 笔订单（67%），¥250.50", "key_orders": 2, "orders": 3,
                        "share": 0.6667, "amount": "250.50", "rank": 1, "store_code": "S01"}


def test_online_orders_do_not_make_up_the_minimum_for_a_store():
    # Given a member with one store order and five online orders, and a tag that needs 2 orders
    member = make_member()
    an_order(member, at("2026-03-01"), store=Store.objects.create(code="S01", name="静安店"))
    for day in range(2, 7):
        an_order(member, at(f"2026-03-0{day}"), channel="tmall")
    tag = a_variable_tag("frequent_store", min_orders=2)

    # Then one store order is not enough evidence of a favourite store
    assert member.pk not in desired(tag, AS_OF)


def test_a_store_tie_goes_to_more_spend_then_to_the_lower_store_code():
    # Given one order at each of three stores, two of them with the same amount
    member = make_member()
    stores = [Store.objects.create(code=code, name=f"店{code}") for code in ("S09", "S03", "S05")]
    an_order(member, at("2026-03-01"), paid="100", store=stores[0])
    an_order(member, at("2026-03-02"), paid="100", store=stores[1])
    an_order(member, at("2026-03-03"), paid="99", store=stores[2])
    tag = a_variable_tag("frequent_store", {"top": 3})

    # Then the order is by spend, then by code
    assert values_of(tag, AS_OF)[member.pk] == ["店S03", "店S09", "店S05"]


def test_two_stores_of_one_name_give_one_value_with_its_best_rank():
    # Given orders at two stores both named 静安店 (in two cities) and one at 徐汇店
    member = make_member()
    shanghai, suzhou, xuhui = (Store.objects.create(code=code, name=name) for code, name in
                               (("S01", "静安店"), ("S02", "静安店"), ("S03", "徐汇店")))
    for store, orders in ((shanghai, 3), (xuhui, 2), (suzhou, 1)):
        for day in range(1, orders + 1):
            an_order(member, at(f"2026-03-{day:02d}"), store=store)
    tag = a_variable_tag("frequent_store", {"top": 3})

    # When the top three are asked for
    found = desired(tag, AS_OF)[member.pk]

    # Then 静安店 comes once, as the first
    assert [(value, ev["rank"], ev["store_code"]) for value, ev in found] == [("静安店", 1, "S01"), ("徐汇店", 2, "S03")]


def test_a_member_who_only_buys_online_gets_no_store():
    # Given only online orders
    member = make_member()
    an_order(member, at("2026-03-01"), channel="jd")
    tag = a_variable_tag("frequent_store")

    # Then there is no store to name
    assert member.pk not in desired(tag, AS_OF)


def test_preferred_channel_is_named_in_chinese_with_its_code_in_the_evidence():
    # Given 2 Tmall orders and 1 JD order
    member = make_member()
    an_order(member, at("2026-03-01"), channel="tmall", paid="50")
    an_order(member, at("2026-03-02"), channel="tmall", paid="50")
    an_order(member, at("2026-03-03"), channel="jd", paid="1000")
    tag = a_variable_tag("preferred_channel")

    # When the extractor runs
    [(value, evidence)] = desired(tag, AS_OF)[member.pk]

    # Then Tmall wins on orders
    assert value == "天猫"
    assert evidence["channel"] == "tmall" and evidence["key_orders"] == 2 and evidence["orders"] == 3
    assert evidence["text"] == "天猫 2 笔 / 共 3 笔订单（67%），¥100"


# --- price band -----------------------------------------------------------------------------------

@pytest.mark.parametrize("prices, band", [
    ([("99.99", 1)], "¥0–100"),
    ([("100", 1)], "¥100–300"),  # a band includes its lower bound
    ([("200", 1), ("500", 1)], "¥300–500"),  # average 350
    ([("100", 1), ("700", 1)], "¥300–500"),  # average exactly 400
    ([("100", 3), ("1300", 1)], "¥300–500"),  # quantity-weighted: 1600 / 4 = 400
    ([("500", 2)], "¥500以上"),
])
def test_price_band_of_the_quantity_weighted_average_unit_price(prices, band):
    # Given lines at these unit prices
    member = make_member()
    an_order(member, at("2026-03-01"), paid="1", lines=[line("护肤", price=p, quantity=q) for p, q in prices])
    tag = a_variable_tag("price_band", {"bands": [0, 100, 300, 500]})

    # Then the average falls in this band
    assert values_of(tag, AS_OF)[member.pk] == [band]


def test_price_band_evidence_and_a_band_below_the_first_bound():
    # Given 3 items averaging ¥33.33 and bands starting at ¥50
    member = make_member()
    an_order(member, at("2026-03-01"), paid="100", lines=[line(price="50", quantity=2), line(price="0"),
                                                          line(price="999", quantity=0)])
    tag = a_variable_tag("price_band", {"bands": [50, 150.5]})

    # When the extractor runs
    [(value, evidence)] = desired(tag, AS_OF)[member.pk]

    # Then it is below the first band; a line with no quantity is not an item
    assert value == "¥50以下"
    assert evidence == {"text": "平均单价 ¥33.33，3 件商品，1 笔订单", "average": "33.33", "items": 3, "orders": 1}


def test_the_default_price_bands_name_every_band():
    # Given an average of ¥1,200
    member = make_member()
    an_order(member, at("2026-03-01"), paid="1200", lines=[line(price="1200")])

    # Then the default bands call it ¥1000以上
    assert values_of(a_variable_tag("price_band"), AS_OF)[member.pk] == ["¥1000以上"]


# --- purchase cycle -------------------------------------------------------------------------------

def test_purchase_cycle_is_the_median_gap_in_shanghai_days_banded():
    # Given orders on 1, 11, 31 March and 10 April (gaps 10, 20, 10 days), the first at 23:30 Shanghai
    member = make_member()
    for paid in (at("2026-03-01", "23:30"), at("2026-03-11", "00:10"), at("2026-03-31"), at("2026-04-10")):
        an_order(member, paid)
    tag = a_variable_tag("purchase_cycle", {"bands": [0, 7, 15, 30]})

    # When the extractor runs on 10 April
    [(value, evidence)] = desired(tag, date(2026, 4, 10))[member.pk]

    # Then the median gap is 10 days
    assert value == "7–15天"
    assert evidence == {"text": "相邻订单间隔中位数 10 天，4 笔订单", "median_days": 10, "orders": 4}


def test_purchase_cycle_median_of_an_even_number_of_gaps_is_their_mean():
    # Given gaps of 10 and 21 days
    member = make_member()
    for day in (1, 11, 32):
        an_order(member, at("2026-01-01") + timedelta(days=day))
    tag = a_variable_tag("purchase_cycle", {"bands": [0, 15.5, 16]})

    # Then the median is 15.5, in the band that starts there
    [(value, evidence)] = desired(tag, AS_OF)[member.pk]
    assert (value, evidence["median_days"]) == ("15.5–16天", 15.5)


def test_purchase_cycle_needs_two_orders_even_when_the_tag_asks_for_one():
    # Given a member with one order and a tag whose minimum is 1
    member = make_member()
    an_order(member, at("2026-03-01"))
    tag = a_variable_tag("purchase_cycle", min_orders=1)

    # Then there is no cycle to name
    assert member.pk not in desired(tag, AS_OF)


# --- last product ---------------------------------------------------------------------------------

def test_last_product_is_the_top_line_of_the_latest_order():
    # Given an older order, then a later one whose dearest line is the serum
    member = make_member()
    an_order(member, at("2026-03-01"), lines=[line(title="旧款面霜", price="999")])
    an_order(member, at("2026-03-20", "21:00"), paid="480",
             lines=[line(title="化妆棉", price="20", quantity=2), line(sku="SKU-9", title="精华液 30ml", price="440")])

    # When the extractor runs
    [(value, evidence)] = desired(a_variable_tag("last_product"), AS_OF)[member.pk]

    # Then the serum, with when and for how much
    assert value == "精华液 30ml"
    assert evidence == {"text": "2026-03-20 购买 精华液 30ml ¥440 × 1，共 2 笔订单", "title": "精华液 30ml",
                        "sku": "SKU-9", "paid_on": "2026-03-20", "price": "440.00", "quantity": 1, "orders": 2}


def test_last_product_titles_are_cut_to_64_characters_and_ties_go_to_the_later_order():
    # Given two orders paid at the same instant, the second with a long title
    member = make_member()
    long_title = "限量版" * 30
    an_order(member, at("2026-03-20"), lines=[line(title="先录入的商品")])
    an_order(member, at("2026-03-20"), lines=[line(title=long_title)])

    # When the extractor runs
    [(value, evidence)] = desired(a_variable_tag("last_product"), AS_OF)[member.pk]

    # Then the later-recorded order's title, cut, with the whole title kept in the evidence
    assert value == long_title[:64] and len(value) == 64 and evidence["title"] == long_title


def test_last_product_skips_untitled_lines():
    # Given a latest order whose only line has no title
    member = make_member()
    an_order(member, at("2026-03-01"), lines=[line(title="面膜")])
    an_order(member, at("2026-03-02"), lines=[line(sku="X")])

    # Then the last titled product is named
    assert values_of(a_variable_tag("last_product"), AS_OF)[member.pk] == ["面膜"]


# --- what every extractor shares -----------------------------------------------------------------

@pytest.mark.parametrize("code", CODES)
def test_a_member_with_fewer_orders_than_the_minimum_gets_no_value(code):
    # Given a member with 3 orders and one with 2
    store = Store.objects.create(code="S01", name="静安店")
    enough, short = a_regular(store=store), a_regular(store=store, days=(1, 11))
    tag = a_variable_tag(code, min_orders=3)

    # When the extractor runs
    found = desired(tag, AS_OF)

    # Then only the member with enough orders has a value
    assert enough.pk in found and short.pk not in found


@pytest.mark.parametrize("code", CODES)
def test_the_window_starts_at_shanghai_midnight_as_the_conditions_last_days_does(code):
    # Given, for a 30-day window on 31 March, orders paid just before and just at 00:00 on 1 March
    store = Store.objects.create(code="S01", name="静安店")
    outside = make_member()
    inside = make_member()
    for member, paid in ((outside, at("2026-02-28", "23:59").replace(second=59)), (inside, at("2026-03-01", "00:00"))):
        for _ in range(2):
            an_order(member, paid, store=store, lines=[line("护肤", "SKU-1", "面霜")])
    tag = a_variable_tag(code, {"window_days": 30})

    # When the extractor runs
    found = desired(tag, AS_OF)

    # Then only the order at midnight counts, as it does for the condition language's last 30 days
    assert inside.pk in found and outside.pk not in found
    window = resolve_window({"last_days": 30}, AS_OF)
    for member, counted in ((inside, 2), (outside, 0)):
        assert fields.get("orders.count").read(member, FieldContext(AS_OF, window)) == counted


def test_the_window_ends_with_the_evaluation_date():
    # Given an order paid at 00:00 on 1 April (Shanghai)
    member = make_member()
    an_order(member, at("2026-04-01", "00:00"), channel="jd")
    tag = a_variable_tag("preferred_channel")

    # Then on 31 March it is not yet counted, on 1 April it is
    assert member.pk not in desired(tag, AS_OF)
    assert values_of(tag, AS_OF + timedelta(days=1))[member.pk] == ["京东"]


def test_totals_agree_with_the_order_fields_of_the_condition_language():
    # Given a mix of counted, refunded, unpaid and deleted orders
    member = make_member()
    an_order(member, at("2026-03-01"), paid="300", refunded="45.5", lines=[line("护肤", price="300")])
    an_order(member, at("2026-03-02"), paid="80", status="pending", lines=[line("护肤", price="80")])
    an_order(member, at("2026-03-03"), paid="80", deleted=True, lines=[line("护肤", price="80")])
    an_order(member, at("2026-03-04"), paid="99.9", status="completed", lines=[line("彩妆", price="99.9")])
    tag = a_variable_tag("favourite_category", {"window_days": 90})

    # When the extractor runs
    [(_, evidence)] = desired(tag, AS_OF)[member.pk]

    # Then its total and order count are the condition language's net paid amount and order count
    context = FieldContext(AS_OF, resolve_window({"last_days": 90}, AS_OF))
    assert Decimal(evidence["total"]) == fields.get("orders.paid_amount").read(member, context) == Decimal("354.40")
    assert evidence["orders"] == fields.get("orders.count").read(member, context) == 2


@pytest.mark.parametrize("code", CODES)
def test_merged_away_and_erased_members_get_no_value(code):
    # Given an active member, one merged into them and one erased, all with the same orders
    store = Store.objects.create(code="S01", name="静安店")
    active = a_regular(store=store)
    merged = a_regular(make_member(status=MemberStatus.MERGED, merged_into=active), store=store)
    erased = a_regular(make_member(status=MemberStatus.ERASED), store=store)

    # When the extractor runs
    found = desired(a_variable_tag(code), AS_OF)

    # Then only the active member has a value
    assert active.pk in found and merged.pk not in found and erased.pk not in found


@pytest.mark.parametrize("code", CODES)
def test_member_ids_restrict_the_result(code):
    # Given three members who all qualify
    store = Store.objects.create(code="S01", name="静安店")
    first, second, third = (a_regular(store=store) for _ in range(3))
    tag = a_variable_tag(code)

    # When the extractor runs for two of them, and for none
    # Then only they come back, with the values a full run gives them
    full = desired(tag, AS_OF)
    assert desired(tag, AS_OF, [first.pk, third.pk]) == {first.pk: full[first.pk], third.pk: full[third.pk]}
    assert second.pk in full and desired(tag, AS_OF, []) == {}


@pytest.mark.parametrize("code", CODES)
def test_values_fit_a_membership_and_the_sql_loads_as_the_refresh_loads_it(code):
    # Given a member with long keys everywhere
    long = "很长的名字" * 20
    store = Store.objects.create(code="S01", name=long)
    member = make_member()
    for day in (1, 15):
        an_order(member, at(f"2026-03-{day:02d}"), store=store, lines=[line(long[:64], long[:64], long)])
    sql, params = extractors.get(code).desired_sql(a_variable_tag(code), AS_OF, None)

    # When its rows are inserted into a table of the refresh's shape
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE desired_test (member_id bigint NOT NULL, value text NOT NULL, "
                       "evidence jsonb NOT NULL)")
        cursor.execute(f"INSERT INTO desired_test (member_id, value, evidence) {sql}", params)
        cursor.execute("SELECT member_id, length(value), evidence ? 'text' FROM desired_test")
        rows = cursor.fetchall()

    # Then one row for the member, a value of at most 64 characters, evidence with a text
    assert len(rows) == 1 and rows[0][0] == member.pk and 0 < rows[0][1] <= 64 and rows[0][2]


# --- parameters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("code", CODES)
def test_validate_fills_in_defaults(code):
    params = extractors.get(code).validate({})
    assert params["window_days"] == 365
    assert extractors.get(code).validate(None) == params


def test_validate_keeps_given_values_normalized():
    assert extractors.get("favourite_sku").validate({"top": 3, "window_days": 30.0}) == {"window_days": 30, "top": 3}
    assert extractors.get("price_band").validate({"bands": [0, 99.5, 200.0]})["bands"] == [0, 99.5, 200]


@pytest.mark.parametrize("code, params, named", [
    ("favourite_category", {"window_days": 0}, "window_days"),
    ("favourite_category", {"window_days": "30"}, "window_days"),
    ("favourite_category", {"window_days": True}, "window_days"),
    ("favourite_category", {"window_days": 3651}, "window_days"),
    ("favourite_category", {"top": 0}, "top"),
    ("frequent_store", {"top": 1.5}, "top"),
    ("favourite_category", {"colour": "red"}, "colour"),
    ("last_product", {"top": 2}, "top"),  # the last product has no top-N
    ("price_band", {"bands": [0, 300, 100]}, "bands"),
    ("price_band", {"bands": [0, 100, 100]}, "bands"),
    ("price_band", {"bands": []}, "bands"),
    ("price_band", {"bands": [-10, 100]}, "bands"),
    ("price_band", {"bands": [0, "100"]}, "bands"),
    ("price_band", {"bands": "0,100"}, "bands"),
    ("purchase_cycle", {"bands": [30, 7]}, "bands"),
])
def test_bad_params_are_refused_with_a_chinese_message_naming_the_param(code, params, named):
    with pytest.raises(ExtractorError) as error:
        extractors.get(code).validate(params)
    assert f"参数 {named}" in str(error.value)


def test_params_that_are_not_an_object_are_refused():
    with pytest.raises(ExtractorError, match="JSON 对象"):
        extractors.get("price_band").validate([0, 100])


def test_desired_sql_refuses_a_tag_with_bad_params():
    tag = a_variable_tag("price_band", {"bands": [5, 1]})
    with pytest.raises(ExtractorError, match="bands"):
        extractors.get("price_band").desired_sql(tag, AS_OF, None)


# --- the SQL against a plain Python computation on random orders --------------------------------------

def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _share(part, whole) -> float:
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _counted_orders(as_of: date, window_days: int) -> dict[int, list[Order]]:
    """The window's counted orders of active members, by member: the rule written out in Python."""
    start, end = resolve_window({"last_days": window_days}, as_of).instant_bounds()
    by_member = defaultdict(list)
    for placed in Order.objects.filter(member__status=MemberStatus.ACTIVE).select_related("store") \
            .prefetch_related("lines"):
        if placed.status in PAID_STATUSES and not placed.is_deleted and placed.paid_at is not None \
                and start <= placed.paid_at < end and placed.paid_amount > placed.refunded_amount:
            by_member[placed.member_id].append(placed)
    return by_member


def _expected_spend(orders, column, top):
    amounts, key_orders = defaultdict(Decimal), defaultdict(set)
    for placed in orders:
        lines = list(placed.lines.all())
        gross, count = defaultdict(Decimal), Counter()
        for item in lines:
            gross[getattr(item, column)] += item.price * item.quantity
            count[getattr(item, column)] += 1
        whole = sum(gross.values())
        net = placed.paid_amount - placed.refunded_amount
        for key in gross:
            amounts[key] += net * gross[key] / whole if whole > 0 else net * count[key] / len(lines)
            key_orders[key].add(placed.pk)
    total = _money(sum(placed.paid_amount - placed.refunded_amount for placed in orders))
    spent = sorted(((-_money(amount), key) for key, amount in amounts.items() if key and _money(amount) > 0))
    return [(key[:64], {"amount": str(-minus), "total": str(total), "orders": len(orders), "rank": rank,
                        "key_orders": len(key_orders[key]), "share": _share(-minus, total)})
            for rank, (minus, key) in enumerate(spent[:top], start=1)]


def _expected_frequency(orders, code, top):
    counts, amounts, names = Counter(), defaultdict(Decimal), {}
    for placed in orders:
        if code == "frequent_store":
            key = placed.store.code
            names[key] = placed.store.name or key
        else:
            key = placed.channel
            names[key] = dict(Channel.choices).get(key, key)
        counts[key] += 1
        amounts[key] += placed.paid_amount - placed.refunded_amount
    ranked = sorted(counts, key=lambda key: (-counts[key], -amounts[key], key))[:top]
    code_key = "store_code" if code == "frequent_store" else "channel"
    held = set()  # a name held once, at its best rank
    return [(names[key][:64], {"key_orders": counts[key], "orders": len(orders), "rank": rank, code_key: key,
                               "amount": str(_money(amounts[key])), "share": _share(counts[key], len(orders))})
            for rank, key in enumerate(ranked, start=1) if not (names[key] in held or held.add(names[key]))]


def _expected_price_band(orders, bands):
    lines = [item for placed in orders for item in placed.lines.all() if item.quantity > 0]
    items = sum(item.quantity for item in lines)
    if not items:
        return []
    average = _money(sum(item.price * item.quantity for item in lines) / items)
    return [(band_of(average, bands, price_labels(bands)),
             {"average": str(average), "items": items, "orders": len(orders)})]


def _expected_cycle(orders, bands):
    days = [placed.paid_at.astimezone(SHANGHAI).date() for placed in sorted(orders, key=lambda o: (o.paid_at, o.pk))]
    if len(days) < 2:
        return []
    median = statistics.median([(later - earlier).days for earlier, later in zip(days, days[1:], strict=False)])
    return [(band_of(Decimal(str(median)), bands, day_labels(bands)), {"median_days": median, "orders": len(days)})]


def _expected_last_product(orders):
    titled = [placed for placed in orders if any(item.title for item in placed.lines.all())]
    if not titled:
        return []
    latest = max(titled, key=lambda placed: (placed.paid_at, placed.pk))
    top = min((item for item in latest.lines.all() if item.title),
              key=lambda item: (-(item.price * item.quantity), item.line_no))
    return [(top.title[:64], {"title": top.title, "sku": top.sku, "price": str(top.price),
                              "paid_on": latest.paid_at.astimezone(SHANGHAI).date().isoformat(),
                              "quantity": top.quantity, "orders": len(orders)})]


def expected(code: str, params: dict, min_orders: int, as_of: date) -> dict[int, list[tuple[str, dict]]]:
    found = {}
    with localcontext() as context:
        context.prec = 50
        for member_id, orders in _counted_orders(as_of, params["window_days"]).items():
            if code == "frequent_store":  # the evidence of a store is the orders in one
                orders = [placed for placed in orders if placed.store is not None]
            if len(orders) < min_orders:
                continue
            if code in ("favourite_category", "favourite_sku"):
                rows = _expected_spend(orders, code.removeprefix("favourite_"), params["top"])
            elif code in ("frequent_store", "preferred_channel"):
                rows = _expected_frequency(orders, code, params["top"])
            elif code == "price_band":
                rows = _expected_price_band(orders, params["bands"])
            elif code == "purchase_cycle":
                rows = _expected_cycle(orders, params["bands"])
            else:
                rows = _expected_last_product(orders)
            if rows:
                found[member_id] = rows
    return found


def _comparable(found: dict) -> dict:
    """Only the evidence keys the Python computation knows, for comparison."""
    return {member_id: [(value, {key: evidence[key] for key in sorted(evidence) if key != "text"})
                        for value, evidence in rows] for member_id, rows in found.items()}


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
a_line = st.fixed_dictionaries({
    "category": st.sampled_from(["护肤", "彩妆", "", "香水"]), "sku": st.sampled_from(["A", "B", "C", ""]),
    "title": st.sampled_from(["", "面霜", "精华", "面" * 70]), "price": st.sampled_from(["0", "50", "100", "150.50"]),
    "quantity": st.sampled_from([0, 1, 1, 2, 3])})
an_order_spec = st.fixed_dictionaries({
    # days from AS_OF, the windows' edges often: 30 or 60 days before, the day itself, the day after
    "day": st.sampled_from([-61, -60, -31, -30, 0, 1]) | st.integers(-45, 1),
    "minute": st.sampled_from([0, 1, 720, 1439]),
    "paid": st.sampled_from(["50", "99.90", "120", "300"]), "refunded": st.sampled_from(["0", "0", "30", "120"]),
    "status": st.sampled_from(["paid", "completed", "partially_refunded", "pending", "closed", "refunded"]),
    "deleted": st.sampled_from([False, False, False, True]),
    "channel": st.sampled_from(["tmall", "jd", "pos"]), "store": st.sampled_from([None, "S01", "S02", "S03", "S04"]),
    "lines": st.lists(a_line, max_size=3)})
a_person = st.fixed_dictionaries({
    "status": st.sampled_from([MemberStatus.ACTIVE] * 4 + [MemberStatus.ERASED]),
    "orders": st.lists(an_order_spec, max_size=6)})
ascending = st.lists(st.sampled_from([0, 1, 5, 10, 20.5, 50, 100, 150]), min_size=1, max_size=4,
                     unique=True).map(sorted)


@PROPERTY
@given(people=st.lists(a_person, min_size=1, max_size=4), window_days=st.sampled_from([30, 60]),
       top=st.integers(1, 3), min_orders=st.integers(1, 3), price_bands=ascending, day_bands=ascending)
def test_every_extractor_agrees_with_a_python_computation_on_random_orders(people, window_days, top, min_orders,
                                                                           price_bands, day_bands):
    with transaction.atomic():
        # Given random people with random orders around a 30- or 60-day window
        stores = {code: Store.objects.create(code=code, name=name)  # two of one name, one without
                  for code, name in (("S01", "静安店"), ("S02", "静安店"), ("S03", ""), ("S04", "徐汇店"))}
        for person in people:
            member = make_member(status=person["status"])
            for spec in person["orders"]:
                paid_at = datetime.combine(AS_OF + timedelta(days=spec["day"]), time.min, tzinfo=SHANGHAI) \
                    + timedelta(minutes=spec["minute"])
                an_order(member, paid_at, paid=spec["paid"], refunded=spec["refunded"], status=spec["status"],
                         deleted=spec["deleted"], channel=spec["channel"], store=stores.get(spec["store"]),
                         lines=[line(**item) for item in spec["lines"]])
        given_params = {"favourite_category": {"top": top}, "favourite_sku": {"top": top},
                        "frequent_store": {"top": top}, "preferred_channel": {"top": top},
                        "price_band": {"bands": price_bands}, "purchase_cycle": {"bands": day_bands},
                        "last_product": {}}

        for code in CODES:
            # When each extractor runs
            tag = a_variable_tag(code, {"window_days": window_days, **given_params[code]}, min_orders=min_orders)
            found = _comparable(desired(tag, AS_OF))

            # Then it says what the plain computation says
            params = extractors.get(code).validate(tag.params)
            need = max(2, min_orders) if code == "purchase_cycle" else min_orders
            assert found == expected(code, params, need, AS_OF), code
        transaction.set_rollback(True)
