from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loyalty"
    verbose_name = "积分与等级"

    def ready(self):
        from members import hooks

        from . import handlers

        hooks.orders_changed.connect(handlers.on_orders_changed)
        hooks.member_merged.connect(handlers.on_member_merged)
        hooks.member_unmerged.connect(handlers.on_member_unmerged)

        from django.db.models.signals import post_delete, post_save

        from . import earning
        from .levels import benefits
        from .levels.services import forget_ranking_account_types
        from .models import LevelScheme

        for signal in (post_save, post_delete):
            signal.connect(forget_ranking_account_types, sender=LevelScheme, dispatch_uid=f"levels.{signal}")

        earning.multiplier_providers.connect(benefits.level_multipliers)

        from members.admin.members_admin import extra_member_inlines

        from .admin.levels_admin import MemberLevelInline

        extra_member_inlines.connect(MemberLevelInline)

        from members.conditions.registry import fields

        from . import conditions

        conditions.register(fields)

        from . import card

        card.register()
