# The term-cost summary holds one row per provision row and academic year (its daily cost and
# its days in each term it runs in) instead of one per row and term (pupils.summary_models).
#
# The old rows are converted, so the years held stay held and nothing is costed again: a
# term's days are copied, and the daily cost is a term's cost divided by its days (exact:
# each cost was the daily cost times whole days, and PostgreSQL divides at no smaller scale
# than the cost's own), or 0 when every term held has no school days (their cost is 0 at any
# daily cost). Backwards, each term's cost is the daily cost times its days again.
# tests/pupils/test_year_cost_migration.py migrates a school's summary both ways.

import django.db.models.deletion
import pupils.summary_models
from django.db import migrations, models

TO_YEARS = """
INSERT INTO pupils_provisionyearcost
    (school_id, assignment_id, academic_year, daily_cost, autumn_days, spring_days, summer_days)
SELECT school_id, assignment_id, academic_year,
       COALESCE(MAX(cost / NULLIF(school_days, 0)), 0),
       MAX(school_days) FILTER (WHERE term = 1),
       MAX(school_days) FILTER (WHERE term = 2),
       MAX(school_days) FILTER (WHERE term = 3)
FROM pupils_provisiontermcost
GROUP BY school_id, assignment_id, academic_year
"""
TO_TERMS = """
INSERT INTO pupils_provisiontermcost
    (school_id, assignment_id, academic_year, term, cost, school_days)
SELECT y.school_id, y.assignment_id, y.academic_year, t.term, y.daily_cost * t.days, t.days
FROM pupils_provisionyearcost y
CROSS JOIN LATERAL (VALUES (1, y.autumn_days), (2, y.spring_days), (3, y.summer_days))
    AS t(term, days)
WHERE t.days IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pupils", "0009_term_cost_school_unchecked"),
        ("schools", "0009_school_types_ap_and_units"),
    ]

    operations = [
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
        migrations.RunSQL(TO_YEARS, TO_TERMS),
        migrations.DeleteModel(name="ProvisionTermCost"),
    ]
