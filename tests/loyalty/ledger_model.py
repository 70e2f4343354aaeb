"""The plain-Python reference model of the points ledger (lots, accounts, helpers) for the state machine.

An independent specification: it imports nothing from the product. The business calendar and every
expiry policy are written out here again from the README's rules, so a fault in `loyalty.calendar` or
`loyalty.policies` shows up as a difference instead of being copied into the expected values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------- the business calendar (Asia/Shanghai)

def business_day(moment: datetime) -> date:
    """The Shanghai calendar date of an instant."""
    return moment.astimezone(SHANGHAI).date()


def midnight(day: date) -> datetime:
    """00:00 Shanghai time at the start of `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def day_ends(day: date) -> datetime:
    """A day ends at the next Shanghai midnight: valid "through 03-31" means gone at 04-01 00:00."""
    return midnight(day + timedelta(days=1))


def clearing_date(year: int, month: int, day: int) -> date:
    """The clearing day in `year`; a day the month lacks (02-29 in a common year) falls back to its last day."""
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


@dataclass(frozen=True)
class ExpiryRule:
    """One account type's expiry policy, fixed on each lot when it is earned.

    never: no expiry. days_after_earn N: through the N-th day after the earn day. yearly_clearing
    (month, day, keep k): a lot earned in year Y is cleared when the clearing day of year Y+k ends, or of
    the first later year whose clearing day ends after the earn. fixed_date: when that date ends.
    """

    policy: str
    days: int | None = None
    month: int | None = None
    day: int | None = None
    keep_years: int = 0
    on: date | None = None

    def expires_at(self, earned_at: datetime) -> datetime | None:
        if self.policy == "never":
            return None
        if self.policy == "days_after_earn":
            return day_ends(business_day(earned_at) + timedelta(days=self.days))
        if self.policy == "yearly_clearing":
            year = business_day(earned_at).year + self.keep_years
            while day_ends(clearing_date(year, self.month, self.day)) <= earned_at:
                year += 1
            return day_ends(clearing_date(year, self.month, self.day))
        if self.policy == "fixed_date":
            return day_ends(self.on)
        raise ValueError(self.policy)


def available_from(earned_at: datetime, pending_days: int) -> datetime | None:
    """Pending points become usable at 00:00 of the earn day + pending days; None without a pending period."""
    return midnight(business_day(earned_at) + timedelta(days=pending_days)) if pending_days else None


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
    expiry_rule: ExpiryRule
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
        return self.expiry_rule.expires_at(moment)

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
    def earn(self, name, points, occurred_at, now, earn_key, pending_days=None):
        """Points earned at `occurred_at` (an order's payment, maybe earlier than `now`); `pending_days`
        overrides the type's (an earn rule's own return window)."""
        acct = self.accounts[name]
        if acct.available < 0:
            self.catch_up(name, now)
        available_at = available_from(occurred_at, self.pending_days if pending_days is None else pending_days)
        pending = available_at is not None and available_at > now
        debt = -acct.available if acct.available < 0 and not pending else 0
        lot = self.new_lot(name, points, occurred_at, pending=pending, available_at=available_at, earn_key=earn_key)
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
