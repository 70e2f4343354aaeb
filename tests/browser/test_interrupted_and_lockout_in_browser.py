"""In a real headless Chromium: an operator finds an import whose process died, reads 已中断 and
resumes it to the end; a tenth wrong password locks the login with a Chinese page.

Screenshots land in screenshots/ (git-ignored) for a person to look at.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from core.roles import OPERATOR
from members.imports import engine
from members.models import ImportBatch, ImportStatus, Member

from .test_import_in_browser import CHROMIUM, PASSWORD, make_staff, shoot, sign_in  # skips without playwright
from .test_import_in_browser import _allow_orm_beside_playwright as _allow_orm_beside_playwright
from .test_import_in_browser import page as page

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (apt-get install chromium)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MEMBERS = "渠道,渠道账号,姓名,手机号\n" + "".join(
    f"mall,m-{n},顾客{n},1391234{n:04d}\n" for n in range(1, 7)
)


class Killed(BaseException):
    """What SIGKILL leaves behind: the process stops between two statements, no handler runs."""


def interrupted_batch(settings) -> ImportBatch:
    """A member file whose import died after its first chunk and has been silent for ten minutes."""
    path = Path(settings.MEDIA_ROOT) / "imports" / "members.csv"
    path.parent.mkdir(parents=True)
    path.write_text(MEMBERS, encoding="utf-8")
    batch = engine.create_batch(kind="members", format_key="generic", path=path, upload="imports/members.csv")

    def die(_):
        raise Killed

    with pytest.raises(Killed):
        engine.run_batch(batch, path, chunk_rows=2, progress=die)
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    return batch


def test_an_operator_resumes_an_interrupted_import_from_its_page(page, live_server, settings):
    # Given an import whose process died after its first chunk, silent for ten minutes
    batch = interrupted_batch(settings)
    operator = make_staff(OPERATOR)

    # When the operator opens its page
    sign_in(page, live_server, operator, f"/imports/{batch.pk}/")
    page.wait_for_selector("text=导入已中断")
    shoot(page, "import-batch-interrupted-390")

    # Then it reads 已中断 and offers 继续导入, which runs the rest of the file to the end
    assert page.inner_text("#batch-status") == "已中断"
    page.click("button:has-text('继续导入')")
    page.wait_for_selector("text=导入结果", timeout=30_000)
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.SUCCEEDED
    assert Member.objects.filter(status="active").count() == 6
    shoot(page, "import-batch-resumed-390")


def test_a_tenth_wrong_password_locks_the_login_with_a_chinese_page(page, live_server, settings):
    # Given staff whose password a stranger keeps guessing
    settings.AXES_FAILURE_LIMIT = 10
    staff = make_staff(OPERATOR)

    # When ten wrong passwords are typed on the login page, then the right one
    for attempt in range(10):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", staff.username)
        page.fill("#id_password", f"wrong-{attempt}")
        page.click("button[type=submit]")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    # Then the login stays refused, with a page that says why and for how long
    shoot(page, "login-locked-out-390")
    assert "登录失败次数过多" in page.content()
    page.goto(f"{live_server.url}/imports/")
    assert "/accounts/login/" in page.url  # not signed in: a staff page sends them to the login
