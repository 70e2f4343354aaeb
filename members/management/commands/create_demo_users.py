import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from core.roles import ADMIN, FINANCE, GUIDE, OPERATOR, STORE_MANAGER, STORE_ROLES

DEMO_USERS = [
    # username, role group, superuser, display name
    ("admin", ADMIN, True, "演示管理员"),
    ("operator", OPERATOR, False, "演示运营"),
    ("guide", GUIDE, False, "演示导购"),
    ("guide2", GUIDE, False, "演示导购（另一门店）"),
    ("manager", STORE_MANAGER, False, "演示店长"),
    ("finance", FINANCE, False, "演示财务"),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo staff accounts and print their login. Refuses to run without DEBUG."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="use this password instead of a fresh random one")

    def handle(self, *args, password=None, **options):
        if not settings.DEBUG:
            raise CommandError("演示账号只能在开发环境(DEBUG=True)创建。")
        password = password or secrets.token_urlsafe(9)
        User = get_user_model()
        for username, role, superuser, display in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name = display
            user.is_staff = role not in STORE_ROLES  # store staff work in the workspace, never in admin
            user.is_superuser = superuser
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        self.stdout.write(self.style.SUCCESS("\n演示账号 demo logins (password reset on every run):"))
        for username, role, _, _ in DEMO_USERS:
            self.stdout.write(f"  {role:<4} {username:<9} / {password}")
        self.stdout.write("  打开 open http://127.0.0.1:8000/\n")
