from pupils.imports.outcomes import import_outcomes
from sendfund.lib.imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import intervention entry and exit measures from a CSV (upn, provision, "
        "provision_start when a pupil had it more than once, measure, standardised, "
        "entry_score, entry_date, exit_score, exit_date), all or nothing. Each row names a "
        "row of the pupil's provision map; its measure is created or updated."
    )
    has_date = False

    def run(self, *, school, data, on, dry_run, options):
        return import_outcomes(school=school, data=data, dry_run=dry_run)
