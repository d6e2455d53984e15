"""allauth keeps email addresses in its own table: give every existing account a primary row
for the address it has (unverified: nobody has followed a link to it yet)."""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EmailAddress = apps.get_model("account", "EmailAddress")
    have = set(EmailAddress.objects.values_list("user_id", flat=True))
    seen = set(e.lower() for e in EmailAddress.objects.values_list("email", flat=True))
    rows = []
    for user in User.objects.exclude(email="").order_by("pk"):
        email = user.email.lower()
        if user.pk in have or email in seen:
            continue
        seen.add(email)
        rows.append(EmailAddress(user=user, email=email, primary=True, verified=False))
    EmailAddress.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0004_local_authorities"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
