"""A hypothesis state machine drives random earn / redeem / refund / expire / adjust / reverse / merge /
unmerge / job sequences against a plain-Python reference model of the ledger, and checks after every
step that balances and open lots agree and that verify_ledger finds nothing.

The model (tests/loyalty/ledger_model.py) is deliberately naive — lists of lots, no database, no
SQL — and mirrors the documented rules: lazy expiry before a spend, nearest expiry first, debt repaid
first, refunds from the order's own lot first, lots copied with their expiry on merge and returned on
unmerge.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
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
from loyalty.calendar import local_date, start_of_day
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
from tests.loyalty.ledger_model import Model, floor_share, stamp

START = at("2026-03-01", "10:00")


# ---------------------------------------------------------------- the machine

class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = START
        self.orders = []  # [order, owner "A"/"B", earned points, refunded Decimal]
        self.redemptions = []  # [entry, account name, drawn, points, reversed]
        self.merge_record = None

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(expiry_days=st.sampled_from([2, 10]), pending_days=st.sampled_from([0, 2]),
                allow_negative=st.booleans())
    def setup(self, expiry_days, pending_days, allow_negative):
        self.model = Model(expiry_days=expiry_days, pending_days=pending_days, allow_negative=allow_negative)
        consumer = RoleType.objects.get(code="consumer")
        self.type = PointsAccountType.objects.create(code="sm", name="积分", expiry_policy="days_after_earn",
                                                     expiry_days=expiry_days, pending_days=pending_days,
                                                     allow_negative=allow_negative)
        self.type.role_types.add(consumer)
        EarnRule.objects.create(name="每元1分", account_type=self.type, role_type=consumer, basis="amount",
                                points_per_yuan=Decimal("1"), trigger="paid")
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

    @rule(days=st.sampled_from([1, 2, 10, 30]))
    def change_expiry_policy(self, days):
        """An admin edits the policy: only lots earned afterwards get the new expiry (expiry no longer
        follows earn order, so nearest-expiry-first differs from oldest-first)."""
        PointsAccountType.objects.filter(pk=self.type.pk).update(expiry_days=days)
        self.model.expiry_days = days

    @rule(who=st.sampled_from("AB"), yuan=st.integers(min_value=1, max_value=200))
    def earn_order(self, who, yuan):
        owner = self.active(who)
        order = Order.objects.create(channel="mall" if who == "A" else "jd", external_no=f"{who}{len(self.orders)}",
                                     member=self.members[owner], source_profile=self.profiles[who], status="paid",
                                     paid_amount=Decimal(yuan), payable_amount=Decimal(yuan), paid_at=self.now)
        award_orders(order_ids=[order.pk], now=self.now)
        self.model.earn(owner, yuan, self.now, ("order", order.pk))
        if self.model.merge_in is not None and who == "B":
            self.model.merge_in["earned_lifetime"] += yuan
        self.orders.append([order, who, yuan, Decimal("0")])

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
            entry = redeem(account=self.accounts[name], points=points, idempotency_key=f"r{len(self.redemptions)}",
                           now=self.now)
        except InsufficientPoints:
            assert drawn is None, "the model could pay this"
            return
        assert drawn is not None, "the model could not pay this"
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
        as_of = start_of_day(local_date(self.now))
        run_daily_jobs(business_date=local_date(self.now), triggered_by="test")
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
            lots = sorted((remaining, stamp(expires), state) for remaining, expires, state in
                          PointsLot.objects.filter(account=account, remaining__gt=0)
                          .values_list("remaining", "expires_at", "state"))
            model_lots = sorted((x.remaining, stamp(x.expires_at), "pending" if x.pending else "available")
                                for x in self.model.open(name))
            assert lots == model_lots, name

    @invariant()
    def verify_ledger_finds_nothing(self):
        result = verify_ledger()
        assert result.ok, [str(m) for m in result.mismatches]

    @invariant()
    def entries_are_never_rewritten(self):
        for entry, *_ in self.redemptions:
            assert LedgerEntry.objects.filter(pk=entry.pk, kind=EntryKind.REDEEM, amount=entry.amount).exists()


@pytest.mark.django_db
def test_random_ledger_histories_match_the_reference_model():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=50, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
