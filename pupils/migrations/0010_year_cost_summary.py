# The term-cost summary holds one row per provision row and academic year (its daily cost and
# its days in each term) instead of one per row and term (pupils.summary_models).
#
# The old rows are dropped, not converted: a row's daily cost cannot be read back from a term
# with no school days. The years held are forgotten with them, so each school's years are
# costed again from the detail on their first read (pupils.summaries.ready), or at once with
# `manage.py rebuild_summaries --ahead`. The school-period summaries stay: they were built
# from the same costs, which the new rows give to the last decimal place.

import django.db.models.deletion
import pupils.summary_models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pupils", "0009_term_cost_school_unchecked"),
        ("schools", "0009_school_types_ap_and_units"),
    ]

    operations = [
        migrations.DeleteModel(name="ProvisionTermCost"),
        migrations.RunSQL("DELETE FROM pupils_summaryyear", migrations.RunSQL.noop),
        migrations.CreateModel(
            name="ProvisionYearCost",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("academic_year", models.PositiveSmallIntegerField()),
                (
                    "daily_cost",
                    pupils.summary_models.ExactDecimalField(decimal_places=20, max_digits=40),
                ),
                ("autumn_days", models.PositiveSmallIntegerField(null=True)),
                ("spring_days", models.PositiveSmallIntegerField(null=True)),
                ("summer_days", models.PositiveSmallIntegerField(null=True)),
                (
                    "assignment",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="year_costs",
                        to="pupils.provisionassignment",
                    ),
                ),
                (
                    "school",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="schools.school",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["school", "academic_year"], name="pupils_prov_school__17a606_idx"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assignment", "academic_year"), name="yearcost_one_per_year"
                    )
                ],
            },
        ),
    ]
