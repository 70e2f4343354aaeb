"""Fixtures of the staff web UI tests."""

import pytest
from django.contrib.auth.models import Group, User

from core.roles import STORE_ROLES


@pytest.fixture
def staff(db):
    """Make a user in one of the role groups (管理员 / 运营 / 导购 / 店长 / 财务), as create_demo_users does:
    store roles (导购 / 店长) work in the guide workspace and are not is_staff (no Django admin)."""

    def _make(role):
        user = User.objects.create_user(username=f"u-{role}", password="pw-123456", is_staff=role not in STORE_ROLES)
        user.groups.add(Group.objects.get(name=role))
        return user

    return _make
