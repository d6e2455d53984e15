from django.core.management.base import BaseCommand

from sendfund.schools.roles import CAPABILITIES, CAPABILITY_LABELS, Role

# Qualifiers printed beside a tick, where the README explains a limit of the capability.
NOTES = {
    ("funding.edit", Role.SENCO): "where the school allows",
    ("advocacy.view", Role.GOVERNOR): "✓ (read-only)",
    ("advocacy.view", Role.TRUST_LEAD): "✓ (read-only)",
    ("reports.view", Role.GOVERNOR): "✓ (published only)",
}
COLUMNS = [Role.SENCO, Role.HEAD, Role.GOVERNOR, Role.TRUST_LEAD, Role.ADMIN]
HEADINGS = ["SENCO", "Head", "Governor", "Trust lead", "Admin"]


def matrix_markdown() -> str:
    lines = [
        "| capability | " + " | ".join(HEADINGS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for capability, roles in CAPABILITIES.items():
        cells = []
        for role in COLUMNS:
            note = NOTES.get((capability, role))
            cells.append(note if note else ("✓" if role in roles else ""))
        lines.append(f"| {CAPABILITY_LABELS[capability]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the role x capability matrix (markdown) for the README."

    def handle(self, *args, **options):
        self.stdout.write(matrix_markdown())
