"""The term-cost summary's own indexes on `school` and `assignment` go: the (school,
academic_year, term) index and the unique (assignment, academic_year, term) lead with them,
and every re-costing writes tens of thousands of rows through each index. Only the indexes are
dropped (Django's AlterField would also drop and re-check the foreign keys over every row)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pupils", "0007_term_cost_summary"),
        ("schools", "0009_school_types_ap_and_units"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="provisiontermcost",
                    name="assignment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="term_costs",
                        to="pupils.provisionassignment",
                    ),
                ),
                migrations.AlterField(
                    model_name="provisiontermcost",
                    name="school",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="schools.school",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS pupils_provisiontermcost_assignment_id_d6a71ab3",
                    "CREATE INDEX pupils_provisiontermcost_assignment_id_d6a71ab3"
                    " ON pupils_provisiontermcost (assignment_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS pupils_provisiontermcost_school_id_5b3b5f88",
                    "CREATE INDEX pupils_provisiontermcost_school_id_5b3b5f88"
                    " ON pupils_provisiontermcost (school_id)",
                ),
            ],
        ),
    ]
