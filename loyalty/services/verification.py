"""Prove the cached balances: recompute every account from its entries and lots, chunk by chunk.

Checks per account: available / pending / lifetime earned == the sums of its entries; the
remainders of its available lots == max(available, 0) and of its pending lots == pending; no
negative balance unless the type allows debt. Per lot: remaining == amount − allocations − expired.
Set-based: three aggregate queries per chunk of account ids.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import connection

CHUNK_ACCOUNTS = 50_000

ACCOUNT_SQL = """
SELECT a.id, a.available, a.pending, a.lifetime_earned, COALESCE(e.available, 0), COALESCE(e.pending, 0),
       COALESCE(e.lifetime, 0), COALESCE(l.available, 0), COALESCE(l.pending, 0), t.allow_negative,
       COALESCE(e.entries, 0), COALESCE(l.lots, 0)
FROM loyalty_pointsaccount a
JOIN loyalty_pointsaccounttype t ON t.id = a.account_type_id
LEFT JOIN (
    SELECT account_id, SUM(amount) AS available, SUM(pending_delta) AS pending, SUM(lifetime_delta) AS lifetime,
           COUNT(*) AS entries
    FROM loyalty_ledgerentry WHERE account_id >= %s AND account_id < %s GROUP BY account_id
) e ON e.account_id = a.id
LEFT JOIN (
    SELECT account_id, SUM(CASE WHEN state = 'available' THEN remaining ELSE 0 END) AS available,
           SUM(CASE WHEN state = 'pending' THEN remaining ELSE 0 END) AS pending, COUNT(*) AS lots
    FROM loyalty_pointslot WHERE account_id >= %s AND account_id < %s GROUP BY account_id
) l ON l.account_id = a.id
WHERE a.id >= %s AND a.id < %s
"""

LOT_SQL = """
SELECT l.id, l.account_id, l.amount, l.remaining, l.expired_amount, a.allocated
FROM loyalty_pointslot l
JOIN (
    SELECT al.lot_id, SUM(al.amount) AS allocated
    FROM loyalty_lotallocation al JOIN loyalty_pointslot x ON x.id = al.lot_id
    WHERE x.account_id >= %s AND x.account_id < %s GROUP BY al.lot_id
) a ON a.lot_id = l.id
WHERE l.remaining <> l.amount - l.expired_amount - a.allocated
UNION ALL
SELECT l.id, l.account_id, l.amount, l.remaining, l.expired_amount, 0
FROM loyalty_pointslot l
WHERE l.account_id >= %s AND l.account_id < %s AND l.remaining <> l.amount - l.expired_amount
  AND NOT EXISTS (SELECT 1 FROM loyalty_lotallocation al WHERE al.lot_id = l.id)
"""


@dataclass
class Mismatch:
    account_id: int
    lot_id: int | None
    problem: str

    def __str__(self):
        where = f"账户 #{self.account_id}" + (f" 批次 #{self.lot_id}" if self.lot_id else "")
        return f"{where}: {self.problem}"


@dataclass
class Verification:
    accounts: int = 0
    entries: int = 0
    lots: int = 0
    seconds: float = 0.0
    mismatches: list[Mismatch] = field(default_factory=list)
    mismatch_count: int = 0

    @property
    def ok(self) -> bool:
        return self.mismatch_count == 0

    @property
    def rows(self) -> int:
        return self.accounts + self.entries + self.lots


def _account_problems(row) -> list[str]:
    (_, available, pending, lifetime, e_available, e_pending, e_lifetime, l_available, l_pending, allow_negative,
     _, _) = row
    problems = []
    if available != e_available:
        problems.append(f"可用余额 {available} ≠ 流水合计 {e_available}")
    if pending != e_pending:
        problems.append(f"待发放 {pending} ≠ 流水合计 {e_pending}")
    if lifetime != e_lifetime:
        problems.append(f"累计获得 {lifetime} ≠ 流水合计 {e_lifetime}")
    if max(available, 0) != l_available:
        problems.append(f"可用批次剩余合计 {l_available} ≠ 可用余额 {max(available, 0)}")
    if pending != l_pending:
        problems.append(f"待发放批次剩余合计 {l_pending} ≠ 待发放 {pending}")
    if available < 0 and not allow_negative:
        problems.append(f"可用余额为负 {available}，但该积分类型不允许欠款")
    return problems


def verify_ledger(*, chunk: int = CHUNK_ACCOUNTS, limit: int | None = None) -> Verification:
    """Recompute every account; stops collecting after `limit` mismatches (the scan still completes)."""
    result = Verification()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM loyalty_pointsaccount")
        low, high = cursor.fetchone()
        if low is not None:
            for start in range(low, high + 1, chunk):
                end = start + chunk
                cursor.execute(ACCOUNT_SQL, [start, end, start, end, start, end])
                for row in cursor.fetchall():
                    result.accounts += 1
                    result.entries += row[10]
                    result.lots += row[11]
                    for problem in _account_problems(row):
                        _add(result, Mismatch(row[0], None, problem), limit)
                cursor.execute(LOT_SQL, [start, end, start, end])
                for lot_id, account_id, amount, remaining, expired, allocated in cursor.fetchall():
                    _add(result, Mismatch(account_id, lot_id, (
                        f"剩余 {remaining} ≠ 数量 {amount} − 已使用 {allocated} − 已过期 {expired}"
                    )), limit)
    result.seconds = time.perf_counter() - started
    return result


def _add(result: Verification, mismatch: Mismatch, limit: int | None) -> None:
    result.mismatch_count += 1
    if limit is None or len(result.mismatches) < limit:
        result.mismatches.append(mismatch)
