from pupils.imports.provision import import_provision
from sendfund.lib.imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import the costed provision map from a CSV file, all or nothing."

    def run(self, *, school, data, on, dry_run, options):
        return import_provision(school=school, data=data, on=on, dry_run=dry_run)
