"""The plain-Python reference model of the points ledger (lots, accounts, helpers) for the state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from loyalty.calendar import end_of_day, local_date, start_of_day


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


def stamp(moment) -> float:
    return moment.timestamp() if moment is not None else float("inf")


def floor_share(points, refunded, paid):
    if refunded >= paid:
        return points
    return min(points, int((Decimal(points) * refunded / paid).to_integral_value(rounding=ROUND_FLOOR)))
