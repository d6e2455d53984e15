from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sendfund.demo.data import USERS, demo_password, seed_demo


class Command(BaseCommand):
    help = "Build the deterministic demo trust (three schools, pupils, users). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Seed even though DEBUG is off (a staging or test server, never real pupils).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["not_production"]:
            # The demo's accounts share one published password: never on a real installation.
            raise CommandError(
                "DEBUG is off, so this looks like production: the demo adds accounts with a "
                "published password. Run it with --i-know-this-is-not-production on a staging "
                "or test server only."
            )
        seed_demo(log=lambda line: self.stdout.write(line))
        self.stdout.write(
            self.style.SUCCESS("Demo ready. Sign in (at the address the server prints) as:")
        )
        for username, (role, urns) in USERS.items():
            where = "every school of the trust" if urns is None else ", ".join(urns)
            self.stdout.write(f"  {username:<14} {role.label:<22} ({where})")
        self.stdout.write(f"Password for all: {demo_password()} (set SENDFUND_DEMO_PASSWORD)")
