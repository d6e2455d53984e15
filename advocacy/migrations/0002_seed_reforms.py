"""National SEND reforms every school can track (docs/domain.md section 7)."""

from django.db import migrations

REFORMS = [
    (
        "national-standards",
        "green_paper_2022",
        "National SEND and alternative provision standards",
        "Clear standards for what support should be available in mainstream settings and who "
        "pays for it.",
    ),
    (
        "local-inclusion-plans",
        "improvement_plan_2023",
        "Local inclusion plans",
        "Local SEND and AP partnerships set out how needs in the area will be met.",
    ),
    (
        "digital-ehcp-template",
        "improvement_plan_2023",
        "Standard (digital) EHCP template",
        "One national EHC plan template and process to replace local variation.",
    ),
    (
        "national-banding-tariffs",
        "improvement_plan_2023",
        "National banding and tariffs",
        "A national framework of funding bands and price tariffs for high needs provision.",
    ),
    (
        "mainstream-inclusion",
        "green_paper_2022",
        "Earlier identification and mainstream inclusion",
        "Stronger universal and targeted support in mainstream schools before a plan is needed.",
    ),
    (
        "individual-support-plans",
        "white_paper_2026",
        "Individual Support Plans",
        "A plan for every child with SEND, not only those with an EHC plan.",
    ),
    (
        "layered-support",
        "white_paper_2026",
        "Layered support (universal, targeted, specialist)",
        "Support organised in layers, with specialist help reaching mainstream classrooms.",
    ),
]


def seed(apps, schema_editor):
    Reform = apps.get_model("advocacy", "Reform")
    for order, (key, agenda, title, summary) in enumerate(REFORMS, start=1):
        Reform.objects.update_or_create(
            key=key,
            defaults={"agenda": agenda, "title": title, "summary": summary, "order": order * 10},
        )


def unseed(apps, schema_editor):
    Reform = apps.get_model("advocacy", "Reform")
    Reform.objects.filter(key__in=[r[0] for r in REFORMS], items__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("advocacy", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
