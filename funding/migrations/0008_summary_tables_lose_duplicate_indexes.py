"""The per-pupil summary rows' own index on `summary` goes: the unique (summary, pupil) leads
with it, and a summary build writes a row per pupil with provision. Only the index is dropped
(Django's AlterField would also drop and re-check the foreign key over every row)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0007_period_summary_pending"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pupilperiodsummary",
                    name="summary",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pupils",
                        to="funding.periodsummary",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS funding_pupilperiodsummary_summary_id_959a0e06",
                    "CREATE INDEX funding_pupilperiodsummary_summary_id_959a0e06"
                    " ON funding_pupilperiodsummary (summary_id)",
                ),
            ],
        ),
    ]
