"""Django admin for the members app (会员与身份). Importing the modules registers the admins."""

from . import config_admin, identity_admin, imports_admin, members_admin, orders_admin, staff_admin  # noqa: F401
