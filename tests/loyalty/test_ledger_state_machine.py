"""A hypothesis state machine drives random earn / redeem / refund / expire / adjust / reverse / merge /
unmerge / job sequences against a plain-Python reference model of the ledger, and checks after every
step that balances and open lots agree and that verify_ledger finds nothing.

The model is deliberately naive — lists of lots, no database, no SQL — and mirrors the documented
rules: lazy expiry before a spend, nearest expiry first, debt repaid first, refunds from the order's
own lot first, lots copied with their expiry on merge and returned on unmerge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

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
from loyalty.calendar import end_of_day, local_date, start_of_day
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

START = at("2026-03-01", "10:00")


# ---------------------------------------------------------------- the reference model

@dataclass(eq=False)
class Lot:
    seq: int
    account: str
    amount: int
    remaining: int
    earned_at: datetime
    expires_at: datetime | None
    pending: bool
    available_at: datetime | None
    earn_key: object  # ("order", n) for order earns; refunds look for it
    origin_account: str | None = None
    kind: str = "earn"


@dataclass
class Account:
    available: int = 0
    pending: int = 0
    lifetime: int = 0
    merged: bool = False


@dataclass
class Model:
    expiry_days: int
    pending_days: int
    allow_negative: bool
    accounts: dict = field(default_factory=lambda: {"A": Account(), "B": Account()})
    lots: list = field(default_factory=list)
    seq: int = 0
    merge_in: dict | None = None  # what the merge moved (amount, lifetime, settlement allocations)

    # -- helpers
    def snapshot(self):
        """A refused operation writes nothing (its transaction rolls back): the model must forget it too."""
        return ([(lot, lot.remaining, lot.pending) for lot in self.lots], len(self.lots), self.seq,
                {name: (a.available, a.pending, a.lifetime) for name, a in self.accounts.items()})

    def restore(self, snapshot):
        lots, count, self.seq, accounts = snapshot
        for lot, remaining, pending in lots:
            lot.remaining, lot.pending = remaining, pending
        del self.lots[count:]
        for name, (available, pending, lifetime) in accounts.items():
            self.accounts[name].available, self.accounts[name].pending, self.accounts[name].lifetime = (
                available, pending, lifetime)

    def expiry(self, moment):
        return end_of_day(local_date(moment) + timedelta(days=self.expiry_days))

    def new_lot(self, account, amount, earned_at, *, pending=False, available_at=None, earn_key=None,
                origin_account=None, expires_at="policy", kind="earn"):
        self.seq += 1
        lot = Lot(self.seq, account, amount, amount, earned_at,
                  self.expiry(earned_at) if expires_at == "policy" else expires_at, pending, available_at, earn_key,
                  origin_account, kind)
        self.lots.append(lot)
        return lot

    def open(self, account):
        lots = [lot for lot in self.lots if lot.account == account and lot.remaining > 0]
        return sorted(lots, key=lambda x: (x.expires_at is None, x.expires_at or x.earned_at, x.earned_at, x.seq))

    def available_lots(self, account):
        return [lot for lot in self.open(account) if not lot.pending]

    @staticmethod
    def consume(lots, points):
        drawn = []
        for lot in lots:
            if points <= 0:
                break
            take = min(lot.remaining, points)
            if take:
                lot.remaining -= take
                points -= take
                drawn.append((lot, take))
        return drawn

    def reconcile(self, name, now):
        acct, lots = self.accounts[name], self.available_lots(name)
        held, target = sum(x.remaining for x in lots), max(self.accounts[name].available, 0)
        if held > target:
            return self.consume(lots, held - target)
        if held < target:
            self.new_lot(name, target - held, now, kind="gap")
        assert acct is not None
        return []

    def expire(self, name, as_of):
        acct = self.accounts[name]
        for lot in self.open(name):
            if lot.expires_at is not None and lot.expires_at <= as_of:
                if lot.pending:
                    acct.pending -= lot.remaining
                else:
                    acct.available -= lot.remaining
                lot.remaining = 0

    def unlock(self, name, as_of):
        acct = self.accounts[name]
        due = [x for x in self.open(name) if x.pending and x.available_at is not None and x.available_at <= as_of]
        if not due:
            return
        was_in_debt = acct.available < 0
        for lot in due:
            lot.pending = False
            acct.available += lot.remaining
            acct.pending -= lot.remaining
        if was_in_debt:
            self.reconcile(name, as_of)

    def catch_up(self, name, now):
        self.expire(name, now)
        self.unlock(name, now)

    # -- operations
    def earn(self, name, points, now, earn_key):
        acct = self.accounts[name]
        if acct.available < 0:
            self.catch_up(name, now)
        available_at = start_of_day(local_date(now) + timedelta(days=self.pending_days)) if self.pending_days else None
        pending = available_at is not None and available_at > now
        debt = -acct.available if acct.available < 0 and not pending else 0
        lot = self.new_lot(name, points, now, pending=pending, available_at=available_at, earn_key=earn_key)
        lot.remaining -= min(debt, points)
        if pending:
            acct.pending += points
        else:
            acct.available += points
        acct.lifetime += points

    def redeem(self, name, points, now):
        before = self.snapshot()
        self.catch_up(name, now)
        acct = self.accounts[name]
        if acct.available < points:
            self.restore(before)
            return None
        acct.available -= points
        return self.consume(self.available_lots(name), points)

    def adjust(self, name, points, now):
        acct = self.accounts[name]
        if points > 0:
            if acct.available < 0:
                self.catch_up(name, now)
            debt = max(-acct.available, 0)
            acct.available += points
            acct.lifetime += points
            lot = self.new_lot(name, points, now, kind="adjust")
            lot.remaining -= min(debt, points)
            return True
        before = self.snapshot()
        self.catch_up(name, now)
        if acct.available < -points and not self.allow_negative:
            self.restore(before)
            return False
        acct.available += points
        self.consume(self.available_lots(name), -points)
        return True

    def claw_back(self, name, earn_key, due, now):
        self.catch_up(name, now)
        acct = self.accounts[name]
        lots = self.open(name)
        own = [x for x in lots if x.earn_key == earn_key]
        others = [x for x in lots if x.earn_key != earn_key and not x.pending]
        left = due
        from_pending = 0
        for lot in own + others:
            take = min(lot.remaining, left)
            lot.remaining -= take
            left -= take
            if lot.pending:
                from_pending += take
        from_available = due - left - from_pending
        debt = left if self.allow_negative else 0
        acct.available -= from_available + debt
        acct.pending -= from_pending
        lifetime = min(due, acct.lifetime)
        acct.lifetime -= lifetime
        return -lifetime

    def reverse(self, name, drawn, points, now):
        target = "A" if self.accounts[name].merged else name
        acct = self.accounts[target]
        was_in_debt = acct.available < 0
        acct.available += points
        for lot, amount in drawn:
            if lot.account == target:
                lot.remaining += amount
            else:
                self.new_lot(target, amount, lot.earned_at, expires_at=lot.expires_at, earn_key=lot.earn_key,
                             origin_account=lot.account, kind="copy")
        self.catch_up(target, now)
        if was_in_debt:
            self.reconcile(target, now)

    def copy(self, lots, target):
        for lot in lots:
            if lot.remaining > 0:
                self.new_lot(target, lot.remaining, lot.earned_at, pending=lot.pending, available_at=lot.available_at,
                             earn_key=lot.earn_key, origin_account=lot.account, expires_at=lot.expires_at, kind="copy")
                lot.remaining = 0

    def merge(self, now):
        a, b = self.accounts["A"], self.accounts["B"]
        self.catch_up("B", now)
        self.catch_up("A", now)
        moved = (b.available, b.pending, b.lifetime)
        self.copy(self.open("B"), "A")
        a_before = a.available
        a.available, a.pending, a.lifetime = a.available + moved[0], a.pending + moved[1], a.lifetime + moved[2]
        b.available = b.pending = b.lifetime = 0
        settled = self.reconcile("A", now) if moved[0] < 0 or a_before < 0 else []
        b.merged = True
        self.merge_in = {"amount": moved[0], "lifetime": moved[2], "settled": settled, "earned_lifetime": 0}

    def unmerge(self, now, b_orders):
        a, b = self.accounts["A"], self.accounts["B"]
        self.catch_up("A", now)
        self.catch_up("B", now)
        info = self.merge_in
        for lot, amount in info["settled"]:
            lot.remaining += amount
        returned = [x for x in self.open("A")
                    if x.origin_account == "B" or (x.kind == "earn" and x.earn_key in b_orders)]
        available = sum(x.remaining for x in returned if not x.pending)
        pending = sum(x.remaining for x in returned if x.pending)
        debt = -min(info["amount"], 0)
        lifetime = max(0, min(info["lifetime"] + info["earned_lifetime"], a.lifetime))
        a.available += debt - available
        a.pending -= pending
        a.lifetime -= lifetime
        b.available += available - debt
        b.pending += pending
        b.lifetime += lifetime
        self.copy(returned, "B")
        self.reconcile("A", now)
        self.reconcile("B", now)
        b.merged = False
        self.merge_in = None


def _stamp(moment) -> float:
    return moment.timestamp() if moment is not None else float("inf")


def floor_share(points, refunded, paid):
    if refunded >= paid:
        return points
    return min(points, int((Decimal(points) * refunded / paid).to_integral_value(rounding=ROUND_FLOOR)))


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
            lots = sorted((remaining, _stamp(expires), state) for remaining, expires, state in
                          PointsLot.objects.filter(account=account, remaining__gt=0)
                          .values_list("remaining", "expires_at", "state"))
            model_lots = sorted((x.remaining, _stamp(x.expires_at), "pending" if x.pending else "available")
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
