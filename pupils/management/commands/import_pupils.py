from pupils.imports.pupils import import_pupils
from sendfund.lib.imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import pupils, SEN status and needs from a CSV file, all or nothing."

    def run(self, *, school, data, on, dry_run, options):
        return import_pupils(school=school, data=data, on=on, dry_run=dry_run)
