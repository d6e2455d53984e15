from django.core.management.base import BaseCommand

from sendfund.demo.data import USERS, demo_password, seed_demo


class Command(BaseCommand):
    help = "Build the deterministic demo trust (three schools, pupils, users). Safe to run twice."

    def handle(self, *args, **options):
        seed_demo(log=lambda line: self.stdout.write(line))
        self.stdout.write(self.style.SUCCESS("Demo ready. Sign in at http://127.0.0.1:8000 as:"))
        for username, (role, urns) in USERS.items():
            where = "every school of the trust" if urns is None else ", ".join(urns)
            self.stdout.write(f"  {username:<14} {role.label:<22} ({where})")
        self.stdout.write(f"Password for all: {demo_password()} (set SENDFUND_DEMO_PASSWORD)")
