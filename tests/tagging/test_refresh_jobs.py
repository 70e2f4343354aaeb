"""How computed tags get refreshed: the `refresh_tags` command, "recompute now" runs with progress,
the hooks that refresh changed members after commit, merges, and the `tag_members` command."""

from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from members import hooks
from members.conditions.windows import SHANGHAI
from members.models import Order
from tagging.models import RunStatus, TagChange, TagKind, TagMembership
from tagging.services.refresh import execute_run, start_refresh
from tests.members.conditions.helpers import make_member

from .helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 31)
SPENT_1000 = {"field": "orders.paid_amount", "op": "gte", "value": 1000}
_numbers = iter(range(1, 10**9))


def paid(member, amount):
    return Order.objects.create(channel="pos", external_no=f"J{next(_numbers)}", member=member, status="paid",
                                paid_amount=Decimal(amount), paid_at=datetime(2026, 3, 1, 12, tzinfo=SHANGHAI))


def run_command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_refresh_tags_prints_changes_per_tag_and_a_second_run_says_nothing_changed():
    # given a member who spent ¥1,500 and a dynamic tag for ¥1,000+
    paid(make_member(), "1500")
    a_tag("spender", kind=TagKind.DYNAMIC, condition=SPENT_1000)
    # when the command runs twice for the same date
    first = run_command("refresh_tags", "--date", "2026-03-31")
    second = run_command("refresh_tags", "--date", "2026-03-31")
    # then the first run reports the change and the second one writes nothing
    assert "spender: 打上 1，取下 0" in first
    assert "spender: 无变化" in second and "未写入任何变化" in second
    assert TagChange.objects.count() == 1


def test_refresh_tags_refuses_unknown_or_static_tags_and_bad_dates():
    a_tag("manual")
    with pytest.raises(CommandError, match="找不到标签：nope"):
        run_command("refresh_tags", "--tag", "nope")
    with pytest.raises(CommandError, match="手动标签不需要重算"):
        run_command("refresh_tags", "--tag", "manual")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run_command("refresh_tags", "--date", "31/03/2026")


def test_a_recompute_run_reports_progress_and_the_changes_per_tag():
    # given two computed tags and a queued run of all of them
    paid(make_member(), "1500")
    a_tag("spender", kind=TagKind.DYNAMIC, condition=SPENT_1000)
    a_tag("anyone", kind=TagKind.DYNAMIC, condition={"field": "orders.count", "op": "gte", "value": 0})
    run = start_refresh(as_of=AS_OF, label="test")
    # when it is executed
    run = execute_run(run)
    # then it is done at 100 %, with what each tag changed
    run.refresh_from_db()
    assert (run.status, run.progress, run.tags_done, run.tags_total) == (RunStatus.DONE, 1.0, 2, 2)
    assert run.added == 2 and {row["tag_code"]: row["added"] for row in run.summary} == {"spender": 1, "anyone": 1}
    # and running it again (a redelivered task) does nothing
    assert execute_run(run).added == 2 and TagChange.objects.count() == 2


def test_a_run_that_fails_for_every_tag_is_marked_failed_with_the_reason():
    tag = a_tag("broken", kind=TagKind.DYNAMIC, condition={"field": "member.gone", "op": "eq", "value": "x"})
    run = execute_run(start_refresh(tag=tag, as_of=AS_OF))
    assert run.status == RunStatus.FAILED and "member.gone" in run.error


def test_changed_orders_refresh_the_members_tags_after_commit(django_capture_on_commit_callbacks):
    # given a tag computed before the member's big order existed
    member = make_member()
    a_tag("spender", kind=TagKind.DYNAMIC, condition=SPENT_1000)
    order = paid(member, "1500")
    # when the orders hook fires, as an import does, and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        hooks.orders_changed.send(order_ids=[order.pk], source="import:1")
    # then the member holds the tag, put on by the incremental job
    assert tag_codes(member) == {"spender"}
    assert TagChange.objects.get().actor_label == "job:refresh_tags:orders"


def test_a_tag_refresh_failure_after_commit_never_reaches_the_import(django_capture_on_commit_callbacks):
    # given a dynamic tag whose condition is broken in the database
    member = make_member()
    a_tag("broken", kind=TagKind.DYNAMIC, condition={"field": "member.gone", "op": "eq", "value": "x"})
    order = paid(member, "1500")
    # when the orders hook fires and commits, the sender sees no error
    with django_capture_on_commit_callbacks(execute=True):
        hooks.orders_changed.send(order_ids=[order.pk], source="import:1")
    assert not TagMembership.objects.exists()


def test_a_static_tag_change_refreshes_the_dynamic_tags_that_read_tags(django_capture_on_commit_callbacks):
    from tagging.services import put_on

    # given a dynamic tag "VIP unless blocked" computed for a member
    member = make_member()
    blocked = a_tag("blocked")
    a_tag("ok", kind=TagKind.DYNAMIC, condition={"not": {"field": "tag", "op": "has", "value": "blocked"}})
    call_command("refresh_tags", stdout=StringIO())
    assert tag_codes(member) == {"ok"}
    # when a static tag it reads is put on
    with django_capture_on_commit_callbacks(execute=True):
        put_on(tag=blocked, member_ids=[member.pk])
    # then the dynamic tag follows
    assert tag_codes(member) == {"blocked"}


def test_a_merge_recomputes_the_survivors_computed_tags(person, django_capture_on_commit_callbacks):
    from members.services import merge_members

    # given two people whose orders only together reach ¥1,000
    survivor = person(channel="pos", external_id="card-1", seen="2025-01-01").member
    absorbed = person(channel="pos", external_id="card-2", seen="2025-02-01").member
    paid(survivor, "600"), paid(absorbed, "600")
    a_tag("spender", kind=TagKind.DYNAMIC, condition=SPENT_1000)
    call_command("refresh_tags", stdout=StringIO())
    assert not TagMembership.objects.exists()
    # when they are merged
    with django_capture_on_commit_callbacks(execute=True):
        merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")
    # then the survivor now holds the tag, and the absorbed person holds nothing
    assert tag_codes(survivor) == {"spender"} and not tag_codes(absorbed)


def test_tag_members_applies_a_file_or_reports_every_bad_row(tmp_path):
    # given a static tag and two members, and a file with one good and one unknown code
    tag, first = a_tag("vip"), make_member()
    good = tmp_path / "good.csv"
    good.write_text(f"会员编号\n{first.code}\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"会员编号\n{first.code}\nNOPE\n", encoding="utf-8")
    # when the bad file is applied, then nothing is applied and the row is named
    err = StringIO()
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("tag_members", str(bad), "--tag", "vip", stdout=StringIO(), stderr=err)
    assert "第 3 行" in err.getvalue() and "NOPE" in err.getvalue()
    assert not TagMembership.objects.filter(tag=tag).exists()
    # when the good file is applied, then the member holds the tag
    assert "为 1 位会员打上" in run_command("tag_members", str(good), "--tag", "vip", "--reason", "活动")
    assert tag_codes(first) == {"vip"}
    with pytest.raises(CommandError, match="找不到标签"):
        run_command("tag_members", str(good), "--tag", "nope")


def test_two_dynamic_tags_reading_each_other_do_not_chase_each_other(django_capture_on_commit_callbacks):
    from tagging.services.refresh import refresh_tag

    # given two dynamic tags, each for the members who lack the other
    member = make_member()
    first = a_tag("first", kind=TagKind.DYNAMIC, condition={"field": "orders.count", "op": "gte", "value": 0})
    second = a_tag("second", kind=TagKind.DYNAMIC, condition={"not": {"field": "tag", "op": "has", "value": "first"}})
    first.condition = {"not": {"field": "tag", "op": "has", "value": "second"}}
    first.save()
    # when one is recomputed and its commit callbacks run
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refresh_tag(first, as_of=AS_OF)
    # then the change triggers no further refresh, and the member holds exactly the first tag
    assert tag_codes(member) == {"first"}
    assert len(callbacks) == 1  # the tags_changed send itself, which queues nothing for dynamic changes
    assert not TagMembership.objects.filter(tag=second).exists()
