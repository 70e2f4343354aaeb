from django.apps import AppConfig


class InsightsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "insights"
    verbose_name = "洞察与分群"

    def ready(self):
        from loyalty import hooks as loyalty_hooks
        from members import hooks
        from members.admin.members_admin import extra_member_inlines
        from members.conditions.registry import fields

        from . import conditions, handlers
        from .member_inline import MemberValueInline

        conditions.register(fields)
        extra_member_inlines.connect(MemberValueInline)
        hooks.member_merged.connect(handlers.on_member_merged)
        hooks.member_unmerged.connect(handlers.on_member_unmerged)
        hooks.orders_changed.connect(handlers.on_orders_changed)
        loyalty_hooks.points_posted.connect(handlers.on_points_posted)
        loyalty_hooks.levels_changed.connect(handlers.on_levels_changed)

        from . import card

        card.register()
