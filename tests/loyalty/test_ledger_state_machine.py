"""A hypothesis state machine drives random earn / redeem / refund / expire / adjust / reverse / merge /
unmerge / job sequences against a plain-Python reference model of the ledger, and checks after every
step that balances and every open lot (remaining, state, earn time, availability, expiry) agree and
that verify_ledger finds nothing.

The model (tests/loyalty/ledger_model.py) is deliberately naive — lists of lots, no database, no
SQL, no import from the product — and mirrors the documented rules: its own Asia/Shanghai calendar
and every expiry policy, lazy expiry before a spend, nearest expiry first, debt repaid first, refunds
from the order's own lot first, lots copied with their expiry on merge and returned on unmerge.

Every earn path runs: orders through `award_orders` (the set-based bulk earn, the per-account
`earn` for accounts in debt), a direct `earn` (the one-round-trip fast path, the ORM where it
falls back), backdated earns and the earn rule's own pending days; the test proves the fast and
bulk paths were taken.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from loyalty import handlers
from loyalty.errors import InsufficientPoints
from loyalty.models import (
    EarnRule,
    EntryKind,
    LedgerEntry,
    PointsAccount,
    PointsAccountType,
    PointsLot,
    RoleType,
)
from loyalty.services import (
    adjust,
    award_orders,
    earn,
    merge_accounts,
    open_account,
    redeem,
    reverse_redeem,
    run_daily_jobs,
    unmerge_accounts,
    verify_ledger,
)
from members import hooks
from members.models import Order, SourceProfile
from members.services import IncomingRecord, merge_members, resolve_record, unmerge
from tests.conftest import at
from tests.loyalty.ledger_model import ExpiryRule, Model, business_day, day_ends, floor_share, midnight, stamp

START = at("2026-03-01", "10:00")

# Every policy the account types offer, with parameters whose boundaries fall inside a run (a run
# spans up to a few months from START) or exercise the calendar: 02-29 in common and leap years, a
# fixed date already past (every lot is born expired), a clearing day just after START.
EXPIRY_RULES = [
    ExpiryRule("days_after_earn", days=2),
    ExpiryRule("days_after_earn", days=10),
    ExpiryRule("days_after_earn", days=30),
    ExpiryRule("never"),
    ExpiryRule("yearly_clearing", month=3, day=3, keep_years=0),
    ExpiryRule("yearly_clearing", month=3, day=31, keep_years=0),
    ExpiryRule("yearly_clearing", month=2, day=29, keep_years=1),
    ExpiryRule("yearly_clearing", month=2, day=29, keep_years=2),
    ExpiryRule("yearly_clearing", month=12, day=31, keep_years=1),
    ExpiryRule("fixed_date", on=date(2026, 3, 4)),
    ExpiryRule("fixed_date", on=date(2026, 4, 30)),
    ExpiryRule("fixed_date", on=date(2026, 2, 27)),
]


def type_fields(expiry: ExpiryRule) -> dict:
    """The account type settings that configure `expiry` in the product."""
    return {"expiry_policy": expiry.policy, "expiry_days": expiry.days, "clearing_month": expiry.month,
            "clearing_day": expiry.day, "clearing_keep_years": expiry.keep_years, "fixed_expiry_date": expiry.on}


@contextmanager
def statements():
    """The SQL sent while the block runs (to tell which earn / redeem path did the work)."""
    sent = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield sent


def path_taken(sent: list[str], function: str) -> str:
    """'fast' when the PostgreSQL function wrote the entry, 'orm' when the ORM service did."""
    orm_wrote = any(sql.startswith('INSERT INTO "loyalty_ledgerentry"') for sql in sent)
    return "fast" if any(function in sql for sql in sent) and not orm_wrote else "orm"


# ---------------------------------------------------------------- the machine

class LedgerMachine(RuleBasedStateMachine):
    paths = Counter()  # which earn / redeem paths wrote, over every run of the test session

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = START
        self.orders = []  # [order, owner "A"/"B", earned points, refunded Decimal]
        self.redemptions = []  # [entry, account name, drawn, points, reversed]
        self.merge_record = None
        self.direct_earns = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(expiry=st.sampled_from(EXPIRY_RULES), pending_days=st.sampled_from([0, 2]),
                rule_pending_days=st.sampled_from([None, None, 0, 1]), allow_negative=st.booleans())
    def setup(self, expiry, pending_days, rule_pending_days, allow_negative):
        self.model = Model(expiry_rule=expiry, pending_days=pending_days, allow_negative=allow_negative)
        self.rule_pending_days = rule_pending_days
        consumer = RoleType.objects.get(code="consumer")
        self.type = PointsAccountType.objects.create(code="sm", name="积分", pending_days=pending_days,
                                                     allow_negative=allow_negative, **type_fields(expiry))
        self.type.role_types.add(consumer)
        EarnRule.objects.create(name="每元1分", account_type=self.type, role_type=consumer, basis="amount",
                                points_per_yuan=Decimal("1"), trigger="paid", pending_days=rule_pending_days)
        self.members = {
            "A": resolve_record(IncomingRecord(channel="mall", external_id="a", mobile="13811112222",
                                               registered_at=at("2024-01-01"))).member,
            "B": resolve_record(IncomingRecord(channel="jd", external_id="b", mobile="13933334444",
                                               registered_at=at("2025-01-01"))).member,
        }
        self.profiles = {"A": SourceProfile.objects.get(external_id="a"), "B": SourceProfile.objects.get(external_id="b")}
        self.accounts = {name: open_account(member=m, role_type=consumer, account_type=self.type)
                         for name, m in self.members.items()}

    def active(self, name):
        return "A" if self.model.accounts[name].merged else name

    # -- rules
    @rule(hours=st.integers(min_value=1, max_value=96))
    def advance(self, hours):
        self.now += timedelta(hours=hours)

    @rule(offset=st.sampled_from([-1, 0, 1]))
    def advance_to_midnight(self, offset):
        """Stand a second before, at or after the next Shanghai midnight, where lots expire and unlock."""
        boundary = day_ends(business_day(self.now)) + timedelta(seconds=offset)
        if boundary > self.now:
            self.now = boundary

    @rule(expiry=st.sampled_from(EXPIRY_RULES), pending_days=st.sampled_from([0, 1, 2]))
    def change_account_type(self, expiry, pending_days):
        """An admin edits the type: only lots earned afterwards get the new expiry and pending days (expiry
        no longer follows earn order, so nearest-expiry-first differs from oldest-first)."""
        PointsAccountType.objects.filter(pk=self.type.pk).update(pending_days=pending_days, **type_fields(expiry))
        self.model.expiry_rule, self.model.pending_days = expiry, pending_days

    @rule(who=st.sampled_from("AB"), yuan=st.integers(min_value=1, max_value=200),
          paid_hours_ago=st.sampled_from([0, 0, 7, 30, 100]))
    def earn_order(self, who, yuan, paid_hours_ago):
        """An order (possibly paid days before it reaches us, as an import brings it) earns by the rule."""
        owner = self.active(who)
        paid_at = self.now - timedelta(hours=paid_hours_ago)
        order = Order.objects.create(channel="mall" if who == "A" else "jd", external_no=f"{who}{len(self.orders)}",
                                     member=self.members[owner], source_profile=self.profiles[who], status="paid",
                                     paid_amount=Decimal(yuan), payable_amount=Decimal(yuan), paid_at=paid_at)
        result = award_orders(order_ids=[order.pk], now=self.now)
        self.paths.update({f"{path} order earn": n for path, n in result.by_path.items()})
        self.model.earn(owner, yuan, paid_at, self.now, ("order", order.pk), pending_days=self.rule_pending_days)
        if self.model.merge_in is not None and who == "B":
            self.model.merge_in["earned_lifetime"] += yuan
        self.orders.append([order, who, yuan, Decimal("0")])

    @rule(who=st.sampled_from("AB"), points=st.integers(min_value=1, max_value=150),
          hours_ago=st.sampled_from([0, 0, 7, 30]), pending_days=st.sampled_from([None, None, 0, 1]))
    def earn_points(self, who, points, hours_ago, pending_days):
        """A direct earn (API, campaigns, the bench): the fast path unless the account is in debt."""
        name = self.active(who)
        occurred_at = self.now - timedelta(hours=hours_ago)
        self.direct_earns += 1
        with statements() as sent:
            entry = earn(account=self.accounts[name], points=points, occurred_at=occurred_at,
                         idempotency_key=f"earn-{self.direct_earns}", pending_days=pending_days, reason="状态机",
                         now=self.now)
        self.paths[f"{path_taken(sent, 'loyalty_fast_earn')} earn"] += 1
        self.model.earn(name, points, occurred_at, self.now, ("entry", entry.pk), pending_days=pending_days)

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(min_value=0), share=st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1")]))
    def refund(self, index, share):
        entry = self.orders[index % len(self.orders)]
        order, who, points, refunded = entry
        paid = order.paid_amount
        new_refund = max(refunded, (paid * share).quantize(Decimal("0.01")))
        if new_refund == refunded:
            return
        order.refunded_amount = new_refund
        order.status = "refunded" if new_refund >= paid else "partially_refunded"
        order.save(update_fields=["refunded_amount", "status"])
        award_orders(order_ids=[order.pk], now=self.now)
        due = floor_share(points, new_refund, paid) - floor_share(points, refunded, paid)
        if due > 0:
            lifetime = self.model.claw_back(self.active(who), ("order", order.pk), due, self.now)
            if self.model.merge_in is not None and who == "B":
                self.model.merge_in["earned_lifetime"] += lifetime
        entry[3] = new_refund

    @rule(who=st.sampled_from("AB"), points=st.integers(min_value=1, max_value=60))
    def spend(self, who, points):
        name = self.active(who)
        drawn = self.model.redeem(name, points, self.now)
        try:
            with statements() as sent:
                entry = redeem(account=self.accounts[name], points=points,
                               idempotency_key=f"r{len(self.redemptions)}", now=self.now)
        except InsufficientPoints:
            assert drawn is None, "the model could pay this"
            return
        assert drawn is not None, "the model could not pay this"
        self.paths[f"{path_taken(sent, 'loyalty_fast_redeem')} redeem"] += 1
        self.redemptions.append([entry, name, drawn, points, False])

    @rule(who=st.sampled_from("AB"), points=st.integers(min_value=-120, max_value=120).filter(bool))
    def adjust_balance(self, who, points):
        name = self.active(who)
        allowed = self.model.adjust(name, points, self.now)
        try:
            adjust(account=self.accounts[name], points=points, reason="状态机", now=self.now)
        except InsufficientPoints:
            assert not allowed, "the model allowed this adjustment"
            return
        assert allowed, "the model refused this adjustment"

    @precondition(lambda self: any(not r[4] for r in self.redemptions))
    @rule(index=st.integers(min_value=0))
    def reverse(self, index):
        open_ones = [r for r in self.redemptions if not r[4]]
        record = open_ones[index % len(open_ones)]
        entry, name, drawn, points, _ = record
        reverse_redeem(entry=entry, now=self.now)
        self.model.reverse(name, drawn, points, self.now)
        record[4] = True

    @rule()
    def daily_job(self):
        as_of = midnight(business_day(self.now))
        run_daily_jobs(business_date=business_day(self.now), triggered_by="test")
        for name in "AB":
            if not self.model.accounts[name].merged:
                self.model.expire(name, as_of)
        for name in "AB":
            if not self.model.accounts[name].merged:
                self.model.unlock(name, as_of)

    @precondition(lambda self: self.merge_record is None)
    @rule()
    def merge(self):
        hooks.member_merged.disconnect(handlers.on_member_merged)  # run it with the business clock instead
        try:
            self.merge_record = merge_members(survivor_id=self.members["A"].pk, absorbed_id=self.members["B"].pk,
                                              rule="manual")
        finally:
            hooks.member_merged.connect(handlers.on_member_merged)
        merge_accounts(record=self.merge_record, now=self.now)
        self.model.merge(self.now)

    @precondition(lambda self: self.merge_record is not None)
    @rule()
    def undo_merge(self):
        hooks.member_unmerged.disconnect(handlers.on_member_unmerged)
        try:
            record = unmerge(record_id=self.merge_record.pk)
        finally:
            hooks.member_unmerged.connect(handlers.on_member_unmerged)
        unmerge_accounts(record=record, now=self.now)
        b_orders = {("order", o.pk) for o, who, _, _ in self.orders if who == "B"}
        self.model.unmerge(self.now, b_orders)
        self.merge_record = None

    # -- checks
    @invariant()
    def balances_and_lots_match_the_model(self):
        if not hasattr(self, "model"):
            return
        for name, account in self.accounts.items():
            stored = PointsAccount.objects.get(pk=account.pk)
            expected = self.model.accounts[name]
            assert (stored.available, stored.pending, stored.lifetime_earned) == (
                expected.available, expected.pending, expected.lifetime), name
            lots = sorted((remaining, state, stamp(earned), stamp(available), stamp(expires))
                          for remaining, state, earned, available, expires in
                          PointsLot.objects.filter(account=account, remaining__gt=0)
                          .values_list("remaining", "state", "earned_at", "available_at", "expires_at"))
            model_lots = sorted((x.remaining, "pending" if x.pending else "available", stamp(x.earned_at),
                                 stamp(x.available_at), stamp(x.expires_at)) for x in self.model.open(name))
            assert lots == model_lots, name

    @invariant()
    def verify_ledger_finds_nothing(self):
        result = verify_ledger()
        assert result.ok, [str(m) for m in result.mismatches]

    @invariant()
    def entries_are_never_rewritten(self):
        for entry, *_ in self.redemptions:
            assert LedgerEntry.objects.filter(pk=entry.pk, kind=EntryKind.REDEEM, amount=entry.amount).exists()


@pytest.mark.parametrize(("expiry", "earned_at", "gone_at"), [
    # README: "earned 03-01, N=30 → usable through 03-31 23:59:59"
    (ExpiryRule("days_after_earn", days=30), at("2026-03-01", "23:30"), at("2026-04-01", "00:00")),
    # README: 12-31, k=1: "points earned in 2025 are … gone at 2027-01-01 00:00:00"
    (ExpiryRule("yearly_clearing", month=12, day=31, keep_years=1), at("2025-01-01", "00:00"),
     at("2027-01-01", "00:00")),
    # README: "02-29 means 02-28 in a common year"
    (ExpiryRule("yearly_clearing", month=2, day=29, keep_years=1), at("2026-03-01", "10:00"),
     at("2027-03-01", "00:00")),
    (ExpiryRule("yearly_clearing", month=2, day=29, keep_years=2), at("2026-03-01", "10:00"),
     at("2028-03-01", "00:00")),
    # earned at the very instant a clearing day ends: that clearing has passed, the next year's applies
    (ExpiryRule("yearly_clearing", month=3, day=3, keep_years=0), at("2026-03-04", "00:00"),
     at("2027-03-04", "00:00")),
    # 07:30 in Shanghai is still the previous day in UTC: the Shanghai day counts
    (ExpiryRule("days_after_earn", days=2), at("2026-03-05", "07:30"), at("2026-03-08", "00:00")),
    (ExpiryRule("fixed_date", on=date(2026, 4, 30)), at("2026-03-01", "10:00"), at("2026-05-01", "00:00")),
    (ExpiryRule("never"), at("2026-03-01", "10:00"), None),
])
def test_the_models_own_calendar_follows_the_readme_examples(expiry, earned_at, gone_at):
    # given a lot earned at a Shanghai time, when the model computes its expiry, then it is the README's instant
    assert expiry.expires_at(earned_at) == gone_at


# No explain phase: it re-runs a failing history under coverage tracing, minutes on this database-heavy
# machine, for a hint the shrunk steps already give.
MACHINE_SETTINGS = settings(max_examples=50, stateful_step_count=30, deadline=None,
                            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
                            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.django_db
def test_random_ledger_histories_match_the_reference_model():
    # given the paths seen so far, when random histories run, then every step matched the model ...
    LedgerMachine.paths.clear()
    run_state_machine_as_test(LedgerMachine, settings=MACHINE_SETTINGS)
    # ... and they went through the fast and bulk paths, not only the ORM fallbacks
    taken = LedgerMachine.paths
    assert taken["fast earn"] and taken["bulk order earn"] and taken["fast redeem"], dict(taken)


@pytest.mark.django_db
def test_a_direct_earn_goes_through_the_fast_path_and_matches_the_model():
    # given a machine whose type expires 10 days after the earn
    LedgerMachine.paths.clear()
    machine = LedgerMachine()
    try:
        machine.setup(expiry=ExpiryRule("days_after_earn", days=10), pending_days=0, rule_pending_days=None,
                      allow_negative=False)
        # when A earns directly and an order of B earns
        machine.earn_points(who="A", points=40, hours_ago=0, pending_days=None)
        machine.earn_order(who="B", yuan=25, paid_hours_ago=0)
        # then the fast path and the bulk path wrote them, and both lots agree with the model
        assert LedgerMachine.paths == Counter({"fast earn": 1, "bulk order earn": 1})
        machine.balances_and_lots_match_the_model()
    finally:
        machine.teardown()
