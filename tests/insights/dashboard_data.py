"""A small hand-made shop for the dashboard tests: two cities, three channels, points and two models."""

from datetime import date, datetime

from loyalty.models import PointsAccountType, RoleType
from loyalty.services import earn, expire_lots, open_account, redeem
from members.models import MemberStatus, Store
from tests.conftest import at

from .helpers import make_member, order

AS_OF = date(2026, 3, 31)
RFM = {"window_days": 365, "scoring": "quintile"}
CUSTOM = {"metrics": [{"field": "metrics.paid_365d", "direction": "higher", "normalisation": "percentile",
                       "weight": 1}],
          "tiering": "thresholds",
          "tiers": [{"code": "high", "name": "高价值", "min_score": 50}, {"code": "low", "name": "低价值"}]}


def member(channel: str, province: str, city: str, store=None, registered: datetime | None = None, **fields):
    return make_member(registered_channel=channel, province=province, city=city, home_store=store,
                       registered_at=registered or at("2026-01-05"), **fields)


def build_shop() -> dict:
    """Members, orders (every status and boundary the aggregates must get right), points moved."""
    shanghai = Store.objects.create(code="SH1", name="上海来福士店", province="上海市", city="上海市")
    hangzhou = Store.objects.create(code="HZ1", name="杭州银泰店", province="浙江省", city="杭州市")
    ann = member("pos", "上海市", "上海市", shanghai, registered=at("2026-03-01", "00:00"))
    bo = member("tmall", "浙江省", "杭州市", registered=at("2026-03-31", "23:59"))
    cai = member("tmall", "浙江省", "杭州市", hangzhou, registered=at("2026-02-28", "23:59"))
    dong = member("wechat_mp", "", "", registered=at("2026-04-01", "00:00"))  # after the date: not new yet
    member("pos", "上海市", "上海市", shanghai, status=MemberStatus.MERGED)  # not a person of its own any more

    order(ann, at("2026-03-10"), paid="100", channel="pos", store=shanghai)
    order(ann, at("2026-03-10", "23:59"), paid="200", refunded="50", channel="tmall")  # online: ann's city
    order(ann, at("2026-01-15"), paid="60", channel="pos", store=shanghai)
    order(bo, at("2026-03-11", "00:00"), paid="300", channel="tmall")
    order(bo, at("2026-03-11"), paid="80", refunded="80", status="refunded", channel="tmall")
    order(bo, at("2026-03-12"), paid="90", status="partially_refunded", refunded="10", channel="tmall")
    order(bo, at("2026-03-12"), paid="70", status="closed", channel="tmall")
    order(bo, at("2026-03-12"), paid="70", channel="tmall", deleted=True)
    order(cai, at("2026-03-20"), paid="500", channel="pos", store=hangzhou)  # bought in a store of her city
    order(cai, at("2026-02-02"), paid="40", channel="jd")
    order(dong, at("2026-04-01", "00:00"), paid="999", channel="wechat_mp")  # after the date

    consumer = RoleType.objects.get(code="consumer")
    points = PointsAccountType.objects.get(code="points")
    short = PointsAccountType.objects.create(code="short", name="限时积分", expiry_policy="days_after_earn",
                                             expiry_days=3)
    short.role_types.add(consumer)
    account = open_account(member=ann, role_type=consumer, account_type=points)
    earn(account=account, points=500, occurred_at=at("2026-03-10"), idempotency_key="ann-1")
    redeem(account=account, points=120, idempotency_key="ann-r1", now=at("2026-03-15"))
    other = open_account(member=cai, role_type=consumer, account_type=short)
    earn(account=other, points=40, occurred_at=at("2026-03-01"), idempotency_key="cai-1")
    expire_lots(as_of=at("2026-03-06", "00:00"))
    return {"stores": (shanghai, hangzhou), "members": (ann, bo, cai, dong)}
