from pupils.imports.staff_rates import import_staff_rates
from sendfund.lib.imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import staff roles' hourly rates from a CSV (staff_role, academic_year as 2026 or "
        "2026/27, actual_hourly_rate, la_standard_hourly_rate), all or nothing. New roles are "
        "created; existing rates are updated."
    )
    has_date = False

    def run(self, *, school, data, on, dry_run, options):
        return import_staff_rates(school=school, data=data, dry_run=dry_run)
