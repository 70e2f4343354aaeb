"""Fixtures of the staff web UI tests."""

import pytest
from django.contrib.auth.models import Group, User


@pytest.fixture
def staff(db):
    """Make a staff user in one of the role groups (管理员 / 运营 / 导购)."""

    def _make(role):
        user = User.objects.create_user(username=f"u-{role}", password="pw-123456", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return _make
