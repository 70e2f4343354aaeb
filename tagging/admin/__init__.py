from . import history_admin, runs_admin, tags_admin  # noqa: F401 - registers the admins
