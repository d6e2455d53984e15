"""rebuild_summaries [--school URN] [--check] [--ahead]: recompute the term-cost summary.

Reports every provision row and term whose held cost differs from the detail's (or is missing
or extra). --check writes nothing and exits with status 1 when it finds a difference;
without it, the summary of each school is rewritten from the detail, and the school's gap
summaries built from the old one are built again (pupils.summaries.rebuild). --ahead also holds this
academic year and the next for every school (run it before 1 September, e.g. nightly, so that
the first pages of a new year, and a large trust's first trust view, find them built).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from pupils import summaries
from sendfund.lib.periods import academic_year_start
from sendfund.schools.models import School


class Command(BaseCommand):
    help = "Recompute the term-cost summary from the detail and report any difference."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="Only this school (its URN).")
        parser.add_argument(
            "--check", action="store_true", help="Write nothing; exit 1 on any difference."
        )
        parser.add_argument(
            "--ahead", action="store_true", help="Also hold this academic year and the next."
        )

    def handle(self, *args, school=None, check=False, ahead=False, **options):
        schools = School.objects.order_by("name")
        if school:
            schools = schools.filter(urn=school)
            if not schools.exists():
                raise CommandError(f"No school with URN {school}.")
        this_year = academic_year_start(dt.date.today())
        terms_ahead = [(y, n) for y in (this_year, this_year + 1) for n in (1, 2, 3)]
        if check and ahead:
            raise CommandError("--ahead writes: use it without --check.")
        found = 0
        for target in schools:
            diffs = summaries.differences(target.pk)
            found += len(diffs)
            for diff in diffs[:20]:
                self.stdout.write(f"{target.name}: {diff}")
            if len(diffs) > 20:
                self.stdout.write(f"{target.name}: ... and {len(diffs) - 20} more")
            if not check:
                summaries.rebuild(target.pk)
                if ahead:
                    summaries.ready([target.pk], terms_ahead)
        verb = "found" if check else "found and rebuilt"
        self.stdout.write(f"{found} difference(s) {verb} across {schools.count()} school(s).")
        if check and found:
            raise CommandError(f"The summary differs from the detail in {found} place(s).")
