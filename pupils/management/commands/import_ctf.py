from pupils.imports.ctf import import_ctf
from sendfund.lib.imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import SEN history and needs from a Common Transfer File (XML), all or nothing."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--create-pupils",
            action="store_true",
            help="add pupils in the file who are not on the school's roll",
        )

    def run(self, *, school, data, on, dry_run, options):
        return import_ctf(
            school=school,
            data=data,
            on=on,
            dry_run=dry_run,
            create_pupils=options["create_pupils"],
        )
