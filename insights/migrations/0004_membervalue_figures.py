"""RFM and custom-model results keep their numbers in `figures` (numeric[]) instead of JSON in
`detail`: existing rows move over here, one statement per kind each way. An RFM result's days since
the last order become that order's date (days since 1970-01-01), counted back from the result's date."""

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
            field=django.contrib.postgres.fields.ArrayField(base_field=insights.models.values.Figure(decimal_places=4, max_digits=20), blank=True, default=list, help_text='得分依据的数值，按模型类型约定的顺序（RFM：末单日期（1970-01-01 起的天数）、次数、金额、R、F、M 得分；自定义模型：各指标的取值，再各指标的归一化值，再各指标的贡献）', size=None, verbose_name='明细数值'),
        ),
        migrations.RunSQL(
            sql="""
                UPDATE insights_membervalue v
                SET figures = CASE WHEN (v.detail->>'f')::numeric > 0 THEN ARRAY[
                        ((v.as_of - (v.detail->>'r_days')::int) - DATE '1970-01-01')::numeric,
                        (v.detail->>'f')::numeric, (v.detail->>'m')::numeric,
                        (v.detail->>'r_score')::numeric, (v.detail->>'f_score')::numeric, (v.detail->>'m_score')::numeric]
                    ELSE '{}' END,
                    detail = '{}'
                FROM insights_valuemodel m WHERE m.id = v.model_id AND m.kind = 'rfm' AND v.detail ? 'f'""",
            reverse_sql="""
                UPDATE insights_membervalue v
                SET detail = CASE WHEN cardinality(v.figures) = 6 THEN jsonb_build_object(
                        'r_days', v.as_of - (DATE '1970-01-01' + v.figures[1]::int), 'f', v.figures[2]::int,
                        'm', v.figures[3],
                        'r_score', v.figures[4]::int, 'f_score', v.figures[5]::int, 'm_score', v.figures[6]::int)
                    ELSE '{"f": 0}' END,
                    figures = '{}'
                FROM insights_valuemodel m WHERE m.id = v.model_id AND m.kind = 'rfm'"""),
        migrations.RunSQL(  # custom: the values, then the normalised values, then the contributions
            sql="""
                UPDATE insights_membervalue v
                SET figures = ARRAY(
                        SELECT e.value::numeric
                        FROM unnest(ARRAY['v', 'n', 'c']) WITH ORDINALITY AS part(key, n)
                        CROSS JOIN LATERAL jsonb_array_elements_text(v.detail->part.key) WITH ORDINALITY AS e(value, n)
                        ORDER BY part.n, e.n),
                    detail = '{}'
                FROM insights_valuemodel m WHERE m.id = v.model_id AND m.kind = 'custom' AND v.detail ? 'v'""",
            reverse_sql="""
                UPDATE insights_membervalue v
                SET detail = jsonb_build_object(
                        'v', to_jsonb(v.figures[1:cardinality(v.figures) / 3]),
                        'n', to_jsonb(v.figures[cardinality(v.figures) / 3 + 1:2 * cardinality(v.figures) / 3]),
                        'c', to_jsonb(v.figures[2 * cardinality(v.figures) / 3 + 1:cardinality(v.figures)])),
                    figures = '{}'
                FROM insights_valuemodel m WHERE m.id = v.model_id AND m.kind = 'custom'"""),
    ]
