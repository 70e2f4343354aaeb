from django.apps import AppConfig


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = "会员与身份"

    def ready(self):
        from members import card_parts
        from members.conditions import order_fields, profile_fields, registry

        profile_fields.register(registry.fields)
        order_fields.register(registry.fields)
        card_parts.register()
