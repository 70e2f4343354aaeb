"""`MemberLevel.level` is checked once per statement instead of by a per-row foreign key.

The triggers of loyalty/levels/level_reference_sql.py take the constraint's place.
"""

import django.db.models.deletion
from django.db import migrations, models

from loyalty.levels.level_reference_sql import CREATE_SQL, DROP_SQL


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0010_level_history_one_index_per_member_level")]

    operations = [
        migrations.AlterField(
            model_name="memberlevel",
            name="level",
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="loyalty.level", verbose_name="当前等级"),
        ),
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
    ]
