from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共基础"

    def ready(self):
        post_migrate.connect(_sync_roles_after_last_app, dispatch_uid="core.sync_roles")


def _sync_roles_after_last_app(sender, **kwargs):
    # post_migrate fires once per app that has models; permissions of every app exist
    # only after the last of those (apps without models never receive the signal).
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        from .roles import sync_role_permissions

        sync_role_permissions()
