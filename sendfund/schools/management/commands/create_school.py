from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sendfund.schools.models import LocalAuthority, School, Trust


class Command(BaseCommand):
    help = "Create a school, or update the one with this URN."

    def add_arguments(self, parser):
        parser.add_argument("--urn", required=True, help="6-digit URN")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--la",
            required=True,
            help="the local authority: its DfE code (e.g. 857) or name (e.g. Rutland), any case",
        )
        parser.add_argument("--la-name", default="", help="Name for a new LA code")
        parser.add_argument("--phase", required=True, choices=School.Phase.values)
        parser.add_argument("--type", required=True, choices=School.Type.values)
        parser.add_argument(
            "--unit",
            default="",
            choices=[u for u in School.Unit.values if u],
            help="a mainstream school's resourced provision or SEN unit, if it has one",
        )
        parser.add_argument("--trust", default="", help="Trust name (created if new)")

    def handle(self, *args, **o):
        la, close = LocalAuthority.objects.find(o["la"])
        if la is None:
            if not (o["la"].isdigit() and len(o["la"]) == 3 and o["la_name"]):
                hint = (
                    f" Did you mean: {', '.join(close)}?"
                    if close
                    else " Give the LA's name as the DfE spells it (e.g. Rutland) or its "
                    "3-digit DfE code (e.g. 857)."
                )
                raise CommandError(f"Unknown local authority {o['la']!r}.{hint}")
            la = LocalAuthority.objects.create(code=o["la"], name=o["la_name"])
        trust = Trust.objects.get_or_create(name=o["trust"])[0] if o["trust"] else None
        school = School.objects.filter(urn=o["urn"]).first() or School(urn=o["urn"])
        created = school.pk is None
        school.name, school.local_authority, school.phase, school.type = (
            o["name"],
            la,
            o["phase"],
            o["type"],
        )
        school.unit = o["unit"]
        if trust is not None:
            school.trust = trust
        try:
            school.full_clean()
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        school.save()
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {school.name} (URN {school.urn})."))
