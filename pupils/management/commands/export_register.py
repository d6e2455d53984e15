from django.core.management.base import BaseCommand, CommandError

from pupils.imports.export import register_csv
from pupils.imports.parsers import CellError, parse_date
from sendfund.lib.imports.command import school_for


class Command(BaseCommand):
    help = "Export the SEN register with needs and annual cost of provision as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="URN", help="the school's URN")
        parser.add_argument("--output", default="", help="file to write (default: stdout)")
        parser.add_argument("--date", default="", help="register as on this date (default today)")

    def handle(self, *args, **options):
        school = school_for(options["school"])
        try:
            on = parse_date(options["date"]) if options["date"] else None
        except CellError as exc:
            raise CommandError(f"--date: {exc}") from exc
        if not options["output"]:
            for line in register_csv(school, on):
                self.stdout.write(line, ending="")
            return
        # utf-8-sig: Excel opens the file as UTF-8 only when it starts with a byte-order mark.
        with open(options["output"], "w", encoding="utf-8-sig", newline="") as out:
            count = -1
            for line in register_csv(school, on):
                out.write(line)
                count += 1
        self.stderr.write(f"Wrote {count} pupils to {options['output']}.")
