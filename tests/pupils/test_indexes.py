"""Every foreign key is still searchable through an index that starts with its column, after
migration 0011 dropped the foreign keys' own indexes where another index covers them."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

DROPPED = {
    "pupils_need_school_id_96f5fcdf",
    "pupils_provision_school_id_548cb484",
    "pupils_provisionassignment_provision_id_e0a8c5e3",
    "pupils_provisionassignment_pupil_id_bf728d05",
    "pupils_provisionassignment_school_id_62b7edeb",
    "pupils_pupil_school_id_e097a111",
    "pupils_senstatus_pupil_id_9273d34b",
    "pupils_senstatus_school_id_e673eea5",
}


def _indexes(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: c["columns"]
        for name, c in constraints.items()
        if c["index"] or c["primary_key"] or c["unique"]
    }


def test_every_foreign_key_of_the_pupils_app_leads_an_index():
    unindexed = []
    for model in apps.get_app_config("pupils").get_models():
        indexes = _indexes(model._meta.db_table)
        for field in model._meta.concrete_fields:
            if not (field.many_to_one and field.db_constraint):
                continue
            if not any(columns[:1] == [field.column] for columns in indexes.values()):
                unindexed.append(f"{model._meta.db_table}.{field.column}")
    assert unindexed == []


def test_only_the_covered_indexes_were_dropped():
    names = set()
    for table in (
        "pupils_need",
        "pupils_provision",
        "pupils_provisionassignment",
        "pupils_pupil",
        "pupils_senstatus",
    ):
        names |= set(_indexes(table))
    assert names & DROPPED == set()
    # The partial unique index Django's own AlterField would have dropped with the pupil's
    # index: one open SEN status per pupil.
    assert "senstatus_one_open" in names
    assert "need_one_open_per_rank" in names
