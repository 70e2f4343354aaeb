from django.apps import AppConfig


class TaggingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tagging"
    verbose_name = "标签"

    def ready(self):
        from loyalty import hooks as loyalty_hooks
        from members import hooks
        from members.admin.members_admin import extra_member_inlines
        from members.admin.pii_lookups import declare_pii_fields
        from members.conditions.registry import fields

        from . import conditions, handlers
        from . import hooks as tagging_hooks
        from .admin.member_tags_inline import MemberTagInline

        conditions.register(fields)
        extra_member_inlines.connect(MemberTagInline)
        hooks.member_merged.connect(handlers.on_member_merged)
        hooks.member_unmerged.connect(handlers.on_member_unmerged)
        hooks.orders_changed.connect(handlers.on_orders_changed)
        loyalty_hooks.points_posted.connect(handlers.on_points_posted)
        loyalty_hooks.levels_changed.connect(handlers.on_levels_changed)
        tagging_hooks.tags_changed.connect(handlers.on_tags_changed)
        # Free-text reasons can carry a phone ("顾客 138… 来电要求"): never a filter or sort for guides.
        declare_pii_fields("tagging.tagmembership", "reason")
        declare_pii_fields("tagging.tagchange", "reason")

        from . import card

        card.register()
