"""Write the demo data: stores, channel accounts through identity resolution, orders, consent.

People become members the way real channel data does, through `resolve_record`, so
cleaning, merging and survivorship all run. Orders are written with `bulk_create` (no
order import service yet) once every account is resolved, each order linked to the
channel account that placed it and to the person that account belongs to by then.
Re-running with the same seed adds nothing: accounts resolve to the people they already
belong to, existing order numbers are skipped, consent rows already present are kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from members import hooks
from members.models import (
    ConsentChannel,
    ConsentRecord,
    ConsentStatus,
    Order,
    OrderLine,
    SourceProfile,
    Store,
)
from members.services import IncomingRecord, record_consent, resolve_record

from .orders import DemoOrder, OrderGenerator
from .people import WITHDRAW_SOURCE, Account, PeopleGenerator, Person, Snapshot
from .stores import ensure_stores

ACTOR_LABEL = "seed_demo"


class Progress:
    """Progress sink; the command swaps in tqdm or one line per 10 %."""

    def __init__(self, label: str, total: int):
        self.label, self.total = label, total

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


ProgressFactory = Callable[[str, int], Progress]


@dataclass
class SeedSummary:
    people: int = 0
    stores_created: int = 0
    records: int = 0
    members_created: int = 0
    channel_accounts_created: int = 0
    merges: int = 0
    review_candidates: int = 0
    orders_created: int = 0
    orders_skipped: int = 0
    lines_created: int = 0
    consents_created: int = 0
    notes: Counter = field(default_factory=Counter)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _incoming(account: Account, snap: Snapshot) -> IncomingRecord:
    return IncomingRecord(
        channel=account.channel, external_id=account.external_id, name=snap.name, gender=snap.gender,
        birthday=snap.birthday, mobile=snap.mobile, email=snap.email, province=snap.province, city=snap.city,
        district=snap.district, address=snap.address, store_code=snap.store_code,
        identifiers=dict(snap.identifiers), registered_at=account.registered_at, seen_at=snap.seen_at,
    )


def seed_demo(
    *, members: int, seed: int, today: date, progress: ProgressFactory = Progress, chunk_size: int = 200,
) -> SeedSummary:
    summary = SeedSummary(people=members)
    _, summary.stores_created = ensure_stores()
    generator = PeopleGenerator(seed, today)
    people = [generator.person(i) for i in range(members)]
    profile_ids = _resolve_people(people, summary, progress, chunk_size)
    orders = OrderGenerator(seed, generator.anchor)
    demo_orders = [order for person in people for order in orders.for_person(person)]
    _write_orders(demo_orders, profile_ids, summary, progress)
    _write_consents(people, profile_ids, summary)
    return summary


def _resolve_people(people: list[Person], summary: SeedSummary, progress: ProgressFactory, chunk_size: int):
    """Feed every snapshot through identity resolution; returns {id(account): source profile id}."""
    before = SourceProfile.objects.count()
    profile_ids: dict[int, int] = {}
    bar = progress("会员 members", len(people))
    for chunk in _chunks(people, chunk_size):
        with transaction.atomic():
            for person in chunk:
                for account, snap in person.records():
                    result = resolve_record(_incoming(account, snap), actor_label=ACTOR_LABEL)
                    profile_ids[id(account)] = result.source_profile.pk
                    summary.records += 1
                    summary.members_created += result.created
                    summary.merges += len(result.merges)
                    summary.review_candidates += len(result.queued)
                    summary.notes.update(note.split(":")[0] for note in result.notes)
                bar.update(1)
    bar.close()
    summary.channel_accounts_created = SourceProfile.objects.count() - before
    return profile_ids


def _existing_numbers(orders: Iterable[DemoOrder]) -> set[tuple[str, str]]:
    by_channel: dict[str, list[str]] = {}
    for order in orders:
        by_channel.setdefault(order.channel, []).append(order.external_no)
    existing = set()
    for channel, numbers in by_channel.items():
        for chunk in _chunks(numbers, 500):
            existing.update(
                Order.objects.filter(channel=channel, external_no__in=chunk).values_list("channel", "external_no")
            )
    return existing


def _write_orders(demo_orders: list[DemoOrder], profile_ids, summary: SeedSummary, progress, chunk_size=500):
    """bulk_create orders and lines in chunks; member = whoever the placing account belongs to now."""
    existing = _existing_numbers(demo_orders)
    new = [o for o in demo_orders if (o.channel, o.external_no) not in existing]
    summary.orders_skipped = len(demo_orders) - len(new)
    members_of = dict(
        SourceProfile.objects.filter(pk__in=set(profile_ids.values())).values_list("pk", "member_id")
    )
    store_ids = dict(Store.objects.values_list("code", "pk"))
    bar = progress("订单 orders", len(new))
    for chunk in _chunks(new, chunk_size):
        with transaction.atomic():
            rows = []
            for demo in chunk:
                profile_id = profile_ids[id(demo.account)]
                rows.append(Order(
                    channel=demo.channel, external_no=demo.external_no, member_id=members_of[profile_id],
                    source_profile_id=profile_id, store_id=store_ids.get(demo.store_code),
                    shop_name=demo.shop_name, status=demo.status, raw_status=demo.raw_status,
                    payable_amount=demo.payable_amount, paid_amount=demo.paid_amount,
                    refunded_amount=demo.refunded_amount, item_count=demo.item_count, ordered_at=demo.ordered_at,
                    paid_at=demo.paid_at, completed_at=demo.completed_at,
                ))
            created = Order.objects.bulk_create(rows)
            if any(order.pk is None for order in created):  # backend cannot return ids from a bulk insert
                ids = {
                    (channel, number): pk
                    for channel, number, pk in Order.objects.filter(
                        external_no__in=[o.external_no for o in created]
                    ).values_list("channel", "external_no", "pk")
                }
                for order in created:
                    order.pk = ids[(order.channel, order.external_no)]
            lines = [
                OrderLine(order_id=order.pk, line_no=line.line_no, sku=line.product.sku, title=line.product.title,
                          category=line.product.category, quantity=line.quantity, price=line.product.price)
                for order, demo in zip(created, chunk, strict=True)
                for line in demo.lines
            ]
            OrderLine.objects.bulk_create(lines, batch_size=1000)
            hooks.orders_changed.send(order_ids=[o.pk for o in created], source=ACTOR_LABEL)
        summary.orders_created += len(created)
        summary.lines_created += len(lines)
        bar.update(len(chunk))
    bar.close()


def _write_consents(people: list[Person], profile_ids, summary: SeedSummary) -> None:
    wanted = [p.consent for p in people if p.consent]
    if not wanted:
        return
    members_of = dict(
        SourceProfile.objects.filter(pk__in=[profile_ids[id(c.account)] for c in wanted]).values_list("pk", "member_id")
    )
    rows = []
    for consent in wanted:
        member_id = members_of[profile_ids[id(consent.account)]]
        rows.append((member_id, ConsentStatus.GRANTED, consent.source, consent.granted_at))
        if consent.withdrawn_at:
            rows.append((member_id, ConsentStatus.WITHDRAWN, WITHDRAW_SOURCE, consent.withdrawn_at))
    existing = set(
        ConsentRecord.objects.filter(member_id__in={r[0] for r in rows}, channel=ConsentChannel.SMS)
        .values_list("member_id", "status", "source")
    )
    with transaction.atomic():
        for member_id, status, source, recorded_at in rows:
            if (member_id, status, source) in existing:
                continue
            record_consent(member_id=member_id, channel=ConsentChannel.SMS, status=status, source=source,
                           recorded_at=recorded_at)
            existing.add((member_id, status, source))
            summary.consents_created += 1
