from django.db import migrations, models

# The funding figures the money rule reads of a gap or headline summary (the distinct pupils
# named on counted funding; whether some of it is tied to no pupil) become columns, copied
# from each held summary's `figures`. A gap's figures are large enough for PostgreSQL to
# compress, and the trust view decompressed them for each key it read, for every school.
# A summary whose figures lack them (a headline stored before it held funding) keeps nulls,
# and the trust view builds it again, as before.
COPY = """
UPDATE funding_periodsummary
   SET funded_pupils = (figures ->> 'funded_pupils')::int,
       funding_school_level = (figures ->> 'funding_school_level')::boolean
 WHERE kind IN ('gap', 'headline')
"""


class Migration(migrations.Migration):
    dependencies = [("funding", "0008_pending_every_kind")]

    operations = [
        migrations.AddField(
            model_name="periodsummary",
            name="funded_pupils",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="periodsummary",
            name="funding_school_level",
            field=models.BooleanField(null=True),
        ),
        migrations.RunSQL(COPY, migrations.RunSQL.noop),
    ]
