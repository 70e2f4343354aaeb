"""RFM results keep their numbers in `figures` (numeric[]) instead of a JSON object in `detail`:
existing RFM rows move over here, in one statement each way."""

import django.contrib.postgres.fields
import insights.models.values
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('insights', '0003_clv_summary'),
    ]

    operations = [
        migrations.AddField(
            model_name='membervalue',
            name='figures',
            field=django.contrib.postgres.fields.ArrayField(base_field=insights.models.values.Figure(decimal_places=4, max_digits=20), blank=True, default=list, help_text='得分依据的数值，按模型类型约定的顺序（RFM：距今天数、次数、金额、R、F、M 得分）', size=None, verbose_name='明细数值'),
        ),
        migrations.RunSQL(
            sql="""
                UPDATE insights_membervalue v
                SET figures = CASE WHEN (v.detail->>'f')::numeric > 0 THEN ARRAY[
                        (v.detail->>'r_days')::numeric, (v.detail->>'f')::numeric, (v.detail->>'m')::numeric,
                        (v.detail->>'r_score')::numeric, (v.detail->>'f_score')::numeric, (v.detail->>'m_score')::numeric]
                    ELSE '{}' END,
                    detail = '{}'
                FROM insights_valuemodel m WHERE m.id = v.model_id AND m.kind = 'rfm' AND v.detail ? 'f'""",
            reverse_sql="""
                UPDATE insights_membervalue v
                SET detail = CASE WHEN cardinality(v.figures) = 6 THEN jsonb_build_object(
                        'r_days', v.figures[1]::int, 'f', v.figures[2]::int, 'm', v.figures[3],
                        'r_score', v.figures[4]::int, 'f_score', v.figures[5]::int, 'm_score', v.figures[6]::int)
                    ELSE '{"f": 0}' END
                FROM insights_valuemodel m WHERE m.id = v.model_id AND m.kind = 'rfm'"""),
    ]
