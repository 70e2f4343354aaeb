"""`make run`'s workspace demo: the demo guide opens a full card at once, and a re-run changes nothing."""

from django.contrib.auth import get_user_model
from django.test import Client

from core.roles import GUIDE, STORE_MANAGER
from members.models import GuideBinding, StaffStore
from tests.workspace.conftest import buy, staff
from workspace.demo import BOUND, seed_workspace_demo
from workspace.models import FollowUp


def test_the_demo_guide_gets_a_store_bound_customers_and_reminders_and_a_rerun_adds_nothing(world, customer):
    # given the demo logins and a store with customers who bought there
    guide, manager = staff("guide", GUIDE), staff("manager", STORE_MANAGER)
    for n in range(BOUND + 3):
        buy(customer(store=world.store_a, name=f"顾客{n}"), store=world.store_a)
    # when the demo is seeded twice
    first, second = seed_workspace_demo(), seed_workspace_demo()
    # then the guide and the manager work in the busiest store, the guide has bound customers and
    # follow-ups with a reminder due today, and the second run changed nothing
    assert StaffStore.objects.get(user=guide).store == world.store_a
    assert StaffStore.objects.get(user=manager).role == "manager"
    assert (first["bound"], second["bound"], second["follow_ups"]) == (BOUND, 0, 0)
    assert GuideBinding.objects.filter(guide=guide, ended_at__isnull=True).count() == BOUND
    assert FollowUp.objects.filter(author=guide).exists()
    client = Client()
    client.force_login(get_user_model().objects.get(username="guide"))
    home = client.get("/workspace/").content.decode()
    assert "今日提醒" in home and "已处理" in home


def test_without_the_demo_logins_it_says_what_to_run_first(db):
    assert "create_demo_users" in seed_workspace_demo()["skipped"]
