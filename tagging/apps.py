from django.apps import AppConfig


class TaggingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tagging"
    verbose_name = "标签"

    def ready(self):
        from members import hooks
        from members.admin.pii_lookups import declare_pii_fields

        from . import handlers

        hooks.member_merged.connect(handlers.on_member_merged)
        hooks.member_unmerged.connect(handlers.on_member_unmerged)
        # Free-text reasons can carry a phone ("顾客 138… 来电要求"): never a filter or sort for guides.
        declare_pii_fields("tagging.tagmembership", "reason")
        declare_pii_fields("tagging.tagchange", "reason")
