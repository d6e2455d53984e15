"""Ship England's 153 local authorities with their DfE 3-digit codes.

Source: sendfund/schools/data/local-authorities-england.csv, copied from the DfE statistics
release "Education, health and care plans", reporting year 2024/25 (caseload file, local
authority level): LA code, ONS code, name (the DfE's spelling) and region. An LA already in
the database keeps its row and takes the DfE's name, unless another row already has that name.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "local-authorities-england.csv"


def ship_local_authorities(apps, schema_editor):
    LocalAuthority = apps.get_model("schools", "LocalAuthority")
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing = {la.code: la for la in LocalAuthority.objects.all()}
    names = {la.name.lower() for la in existing.values()}
    for row in rows:
        code, name = row["la_code"].strip(), row["name"].strip()
        la = existing.get(code)
        if la is None:
            if name.lower() not in names:
                LocalAuthority.objects.create(code=code, name=name)
                names.add(name.lower())
        elif la.name != name and (name.lower() not in names or la.name.lower() == name.lower()):
            names.discard(la.name.lower())
            la.name = name
            la.save(update_fields=["name"])
            names.add(name.lower())


class Migration(migrations.Migration):
    dependencies = [("schools", "0003_role_change")]

    operations = [migrations.RunPython(ship_local_authorities, migrations.RunPython.noop)]
