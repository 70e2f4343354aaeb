"""Django admin for loyalty (积分与等级). Importing the modules registers the admins."""

from . import accounts_admin, config_admin, levels_admin  # noqa: F401
