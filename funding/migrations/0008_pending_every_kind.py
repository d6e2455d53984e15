from django.db import migrations, models

# The triggers that delete a school's summaries (migrations funding 0005 and 0007) now record
# every summary they delete, whatever its kind (a period's gap, the trust view's headline and
# day rows, next year's projection), so that the write's own transaction builds each of them
# again before it commits (funding.gap_store.settle), past periods included. The global trigger
# (a threshold or place value: every school) is unchanged.
LOCK_CLASS = 815202


def _function(name: str, source: str, kinds: bool) -> str:
    if kinds:
        record = """
    INSERT INTO funding_periodsummarypending (school_id, kind, start, "end")
      SELECT sid, kind, start, "end" FROM gone
      ON CONFLICT DO NOTHING;"""
    else:
        record = """
    INSERT INTO funding_periodsummarypending (school_id, start, "end")
      SELECT sid, start, "end" FROM gone WHERE kind = 'gap'
      ON CONFLICT DO NOTHING;"""
    return f"""
CREATE OR REPLACE FUNCTION sendfund_period_summaries_{name}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  sid bigint;
BEGIN
  FOR sid IN SELECT DISTINCT {source} FROM changed ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock_shared({LOCK_CLASS}, sid::int);
    DELETE FROM funding_pupilperiodsummary WHERE summary_id IN
      (SELECT id FROM funding_periodsummary WHERE school_id = sid);
    WITH gone AS (
      DELETE FROM funding_periodsummary WHERE school_id = sid RETURNING kind, start, "end"
    ){record}
  END LOOP;
  RETURN NULL;
END $$;"""


EVERY_KIND = _function("stale", "school_id", True) + _function("school", "id", True)
GAPS_ONLY = _function("stale", "school_id", False) + _function("school", "id", False)


class Migration(migrations.Migration):

    dependencies = [
        ("funding", "0007_period_summary_pending"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="periodsummarypending",
            name="periodsummarypending_unique",
        ),
        migrations.AddField(
            model_name="periodsummarypending",
            name="kind",
            field=models.CharField(
                choices=[
                    ("gap", "Gap for a period"),
                    ("projection", "Next year's projection, made on `start`"),
                    ("day", "The roll and overdue assessments on `start` (the trust view)"),
                    ("headline", "Need and the SEN register for a period (the trust view)"),
                ],
                default="gap",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="periodsummarypending",
            constraint=models.UniqueConstraint(
                fields=("school", "kind", "start", "end"), name="periodsummarypending_unique"
            ),
        ),
        migrations.RunSQL(EVERY_KIND, GAPS_ONLY),
    ]
