"""England's figures from the DfE's "Special educational needs in England" releases
(docs/domain.md section 6), stored as data so that a new year is a new row, not a template edit."""

from decimal import Decimal

from django.db import migrations

SOURCE = "DfE, Special educational needs in England, January {year} (explore-education-statistics)"
FIGURES = [
    ("sen", 2020, "15.5"),
    ("ehc_plan", 2020, "3.3"),
    ("sen_support", 2020, "12.1"),
    ("ehc_plan", 2023, "4.3"),
    ("sen_support", 2023, "13.0"),
    ("sen", 2024, "18.4"),
    ("ehc_plan", 2024, "4.8"),
    ("sen_support", 2024, "13.6"),
    ("ehc_plan", 2025, "5.3"),
    ("sen_support", 2025, "14.2"),
    ("ehc_asd", 2025, "33.6"),
    ("support_slcn", 2025, "25.7"),
]


def add(apps, schema_editor):
    NationalFigure = apps.get_model("reports", "NationalFigure")
    for measure, year, pct in FIGURES:
        NationalFigure.objects.update_or_create(
            measure=measure,
            year=year,
            defaults={"percentage": Decimal(pct), "source": SOURCE.format(year=year)},
        )


def remove(apps, schema_editor):
    NationalFigure = apps.get_model("reports", "NationalFigure")
    for measure, year, _ in FIGURES:
        NationalFigure.objects.filter(measure=measure, year=year).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
