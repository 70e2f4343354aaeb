from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workspace"
    verbose_name = "导购工作台"

    def ready(self):
        from members import hooks

        from . import card, handlers

        card.register()
        hooks.member_merged.connect(handlers.on_member_merged)
        hooks.member_unmerged.connect(handlers.on_member_unmerged)
