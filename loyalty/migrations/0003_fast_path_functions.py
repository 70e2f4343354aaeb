"""PostgreSQL only: the plpgsql functions of the earn/redeem fast path (loyalty/services/fast_sql.py).

The SQL lives in that module (CREATE OR REPLACE); whoever changes it adds a migration that runs it
again, so every database ends with the current functions.
"""

from django.db import migrations

from loyalty.services.fast_sql import CREATE_FUNCTIONS, DROP_FUNCTIONS


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0002_defaults")]

    operations = [migrations.RunSQL(CREATE_FUNCTIONS, DROP_FUNCTIONS)]
