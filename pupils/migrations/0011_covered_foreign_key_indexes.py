# Foreign keys whose own index is covered by another index starting with the same column
# (Meta.indexes or a constraint): the index is dropped, the key and its constraint stay. Each
# was one more index for PostgreSQL to keep up on every row written, imports above all
# (issue #10).
#
# Written by hand around Django's AlterField: for SenStatus.pupil, Django's own operation also
# dropped the partial unique index `senstatus_one_open` (one open status per pupil), which
# covers the same single column, and it dropped and re-added each foreign key, checking every
# row again. Here the database loses exactly the eight indexes named below and nothing else.

import django.db.models.deletion
from django.db import migrations, models

# (table, index, column): each index as Django named it when it made the foreign key.
COVERED = [
    ("pupils_need", "pupils_need_school_id_96f5fcdf", "school_id"),
    ("pupils_provision", "pupils_provision_school_id_548cb484", "school_id"),
    (
        "pupils_provisionassignment",
        "pupils_provisionassignment_provision_id_e0a8c5e3",
        "provision_id",
    ),
    ("pupils_provisionassignment", "pupils_provisionassignment_pupil_id_bf728d05", "pupil_id"),
    ("pupils_provisionassignment", "pupils_provisionassignment_school_id_62b7edeb", "school_id"),
    ("pupils_pupil", "pupils_pupil_school_id_e097a111", "school_id"),
    ("pupils_senstatus", "pupils_senstatus_pupil_id_9273d34b", "pupil_id"),
    ("pupils_senstatus", "pupils_senstatus_school_id_e673eea5", "school_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("pupils", "0010_year_cost_summary"),
        ("schools", "0009_school_types_ap_and_units"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{index}"' for _, index, _ in COVERED],
                    [
                        f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("{column}")'
                        for table, index, column in COVERED
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="need",
                    name="school",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="schools.school",
                    ),
                ),
                migrations.AlterField(
                    model_name="provision",
                    name="school",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="provisions",
                        to="schools.school",
                    ),
                ),
                migrations.AlterField(
                    model_name="provisionassignment",
                    name="provision",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assignments",
                        to="pupils.provision",
                    ),
                ),
                migrations.AlterField(
                    model_name="provisionassignment",
                    name="pupil",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="provision",
                        to="pupils.pupil",
                    ),
                ),
                migrations.AlterField(
                    model_name="provisionassignment",
                    name="school",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="schools.school",
                    ),
                ),
                migrations.AlterField(
                    model_name="pupil",
                    name="school",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pupils",
                        to="schools.school",
                    ),
                ),
                migrations.AlterField(
                    model_name="senstatus",
                    name="pupil",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sen_statuses",
                        to="pupils.pupil",
                    ),
                ),
                migrations.AlterField(
                    model_name="senstatus",
                    name="school",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="schools.school",
                    ),
                ),
            ],
        )
    ]
