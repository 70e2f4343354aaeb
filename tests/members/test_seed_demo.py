"""seed_demo: deterministic demo data loaded through the real importers from generated channel files."""

import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F

from members.imports.engine import import_file
from members.models import (
    ConsentRecord,
    Identity,
    ImportBatch,
    ImportRowError,
    ImportStatus,
    Member,
    MemberStatus,
    MergeRecord,
    Order,
    OrderLine,
    SourceProfile,
    Store,
)

END_DATE = "2026-01-15"
PEOPLE = 40
MODELS = (Store, Member, SourceProfile, Identity, MergeRecord, Order, OrderLine, ConsentRecord, ImportBatch,
          ImportRowError)


def seed(members=PEOPLE, seed=42, end_date=END_DATE, *extra) -> str:
    out = StringIO()
    args = [f"--members={members}", f"--seed={seed}", *extra]
    if end_date:
        args.append(f"--end-date={end_date}")
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def fingerprint() -> dict:
    """What the seeded data says, with member codes made relative (a PostgreSQL sequence never rolls back)."""
    base = min(int(code[1:]) for code in Member.objects.values_list("code", flat=True))

    def rel(member):
        return int(member.code[1:]) - base if member else None

    return {
        "members": sorted(
            (rel(m), m.status, m.name, m.mobile, m.email, m.birthday, m.city) for m in Member.objects.all()
        ),
        "orders": sorted(
            (o.channel, o.external_no, rel(o.member), o.status, o.paid_amount, o.refunded_amount, o.ordered_at)
            for o in Order.objects.select_related("member")
        ),
        "lines": sorted(
            OrderLine.objects.values_list("order__channel", "order__external_no", "line_no", "sku", "quantity", "price")
        ),
        "merges": sorted((rel(r.survivor), rel(r.absorbed)) for r in MergeRecord.objects.select_related()),
        "consents": sorted(
            (rel(c.member), c.status, c.recorded_at) for c in ConsentRecord.objects.select_related("member")
        ),
    }


def seeded_fingerprint(**options) -> dict:
    """Seed inside a savepoint, read, roll back: every call starts from the same empty database."""
    with transaction.atomic():
        seed(**options)
        data = fingerprint()
        transaction.set_rollback(True)
    return data


def members_on_several_channels() -> int:
    return (
        SourceProfile.objects.filter(member__status=MemberStatus.ACTIVE).values("member")
        .annotate(channels=Count("channel", distinct=True)).filter(channels__gte=2).count()
    )


@pytest.mark.django_db
def test_seeding_imports_each_generated_channel_file_and_merges_people_across_channels():
    # given an empty database
    # when a small population is seeded
    seed()

    # then the stores exist and every generated file was imported as a batch of its own
    assert Store.objects.count() == 12
    batches = ImportBatch.objects.filter(actor_label="seed_demo")
    assert sorted(batches.values_list("kind", "format")) == sorted([
        ("members", "generic"), ("orders", "tmall"), ("orders", "tmall_items"), ("orders", "jd"),
        ("orders", "generic"),
    ])
    assert set(batches.values_list("status", flat=True)) == {ImportStatus.SUCCEEDED}
    # and people who shop on several channels became one member holding several channel accounts
    assert members_on_several_channels() >= 10
    # and there are orders with lines on Tmall, JD and POS, and SMS consents from the member file
    for channel in ("tmall", "jd", "pos"):
        assert OrderLine.objects.filter(order__channel=channel).exists(), channel
    assert not Order.objects.filter(lines__isnull=True).exists()
    assert ConsentRecord.objects.exists()


@pytest.mark.django_db
def test_broken_pos_rows_are_rejected_in_a_row_error_report_and_the_rest_still_imports():
    # when the demo is seeded (a few POS rows are broken on purpose)
    output = seed()

    # then the POS batch succeeded with its broken rows in its error report, and no other file has errors
    pos = ImportBatch.objects.get(kind="orders", format="generic")
    assert pos.status == ImportStatus.SUCCEEDED
    rejected = pos.counts["rows_rejected"]
    assert rejected >= 1
    assert ImportRowError.objects.filter(batch=pos).values("row_number").distinct().count() == rejected
    assert not ImportRowError.objects.exclude(batch=pos).exists()
    assert Order.objects.filter(channel="pos").exists()
    # and the command said how many rows were rejected (call_command raised nothing: exit code 0)
    assert f"{pos.file_name}: {rejected} rejected row" in output and f"batch #{pos.pk}" in output


@pytest.mark.django_db
def test_clean_files_on_request_give_no_row_errors():
    seed(PEOPLE, 42, END_DATE, "--bad-rate=0")

    assert not ImportRowError.objects.exists()


@pytest.mark.django_db
def test_every_order_belongs_to_the_active_person_of_the_account_that_placed_it():
    seed()

    assert not Order.objects.filter(member__isnull=True).exists()
    assert not Order.objects.exclude(member__status=MemberStatus.ACTIVE).exists()
    assert not Order.objects.exclude(member_id=F("source_profile__member_id")).exists()
    assert not Order.objects.filter(channel="pos", store__isnull=True).exists()


@pytest.mark.django_db
def test_rerunning_with_the_same_seed_adds_nothing_even_on_another_day():
    # given a seeded database
    seed()
    before, data = counts(), fingerprint()

    # when the same seed runs again without an end date (another day: today is not END_DATE)
    output = seed(PEOPLE, 42, None)

    # then it reuses the end date of the loaded data, finds every file already imported and adds no row
    assert f"history up to {END_DATE}" in output
    assert output.count("already imported (batch #") == 5
    assert counts() == before
    assert fingerprint() == data


@pytest.mark.django_db
def test_importing_the_same_files_again_changes_nothing(tmp_path):
    # given a seeded database and the files it was loaded from
    seed(PEOPLE, 42, END_DATE, f"--keep-files={tmp_path}")
    data = fingerprint()
    batches = ImportBatch.objects.order_by("id")

    # when every file is imported once more through the importer itself
    for batch in list(batches):
        again = import_file(kind=batch.kind, format_key=batch.format, path=tmp_path / batch.file_name)
        assert again.status == ImportStatus.SUCCEEDED

    # then no member, order, line, merge or consent changed
    assert fingerprint() == data


@pytest.mark.django_db
def test_same_seed_and_end_date_give_identical_data():
    first = seeded_fingerprint(members=PEOPLE, seed=7)

    second = seeded_fingerprint(members=PEOPLE, seed=7)

    assert first == second
    assert len(first["members"]) >= PEOPLE // 2 and first["orders"] and first["consents"]


@pytest.mark.django_db
def test_a_different_seed_gives_different_people():
    first = seeded_fingerprint(members=PEOPLE, seed=1)

    second = seeded_fingerprint(members=PEOPLE, seed=2)

    assert {m[2] for m in first["members"]} != {m[2] for m in second["members"]}
    assert not ({m[3] for m in first["members"]} & {m[3] for m in second["members"]}) - {""}


@pytest.mark.django_db
def test_keep_files_leaves_the_generated_files_and_the_default_deletes_them(tmp_path, monkeypatch):
    # given a private temporary directory root
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    # when the demo is seeded once with --keep-files and once (same files) without
    kept = tmp_path / "kept"
    seed(PEOPLE, 42, END_DATE, f"--keep-files={kept}")
    seed()

    # then the kept directory holds the five files, named like channel exports, and nothing else is left behind
    names = sorted(path.name for path in kept.iterdir())
    assert len(names) == 5
    assert "ExportOrderList202601150800.csv" in names and "pos_orders_202601150800.csv" in names
    assert list(scratch.iterdir()) == []
    assert all(Path(kept / name).stat().st_size > 0 for name in names)


@pytest.mark.django_db
def test_channel_quirks_arrive_raw_and_leave_clean():
    # when people are seeded
    seed()

    # then channels sent masked phones and spaced names, and the members hold clean values
    raw = [p.raw for p in SourceProfile.objects.all()]
    assert any("****" in r.get("mobile", "") for r in raw)
    assert any(" " in r.get("name", "").strip() or "\u3000" in r.get("name", "") for r in raw)
    active = Member.objects.filter(status=MemberStatus.ACTIVE)
    assert not active.filter(name__contains=" ").exists()
    assert all(m.mobile.startswith("+861") for m in active.exclude(mobile=""))
    assert all(p.endswith(("省", "市", "自治区")) for p in active.exclude(province="").values_list("province", flat=True))


@pytest.mark.django_db
def test_progress_and_summary_are_printed():
    output = seed()

    assert "[1/5]" in output and "[5/5]" in output
    for label in ("people generated", "on 2+ channels", "merges", "orders tmall", "orders jd", "orders pos",
                  "order lines", "rows rejected", "review queue (pending)", "consent records", "took"):
        assert label in output, label


@pytest.mark.django_db
def test_zero_members_loads_only_the_stores():
    seed(0)

    assert Store.objects.count() == 12
    assert not Member.objects.exists() and not Order.objects.exists()
