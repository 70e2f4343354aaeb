"""Member codes come from the members_member_code_seq sequence alone (PostgreSQL only); the
one-row counter that stood in for it on SQLite has no use left."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0007_import_batch_heartbeat")]

    operations = [migrations.DeleteModel(name="MemberCodeCounter")]
