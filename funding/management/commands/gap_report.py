"""gap_report --school URN --start DATE --end DATE [--format json|csv]: the gap for a period."""

import datetime as dt
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from funding.gap import compute_gap
from sendfund.lib import csv as safe_csv
from sendfund.lib.money import to_pennies
from sendfund.lib.periods import Period
from sendfund.schools.models import School


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD.") from exc


def _money(value) -> str:
    return str(to_pennies(value))


def report(gap) -> dict:
    """The gap as JSON-safe data: money as strings of Decimals to the penny."""

    def rows(items):
        return [
            {"key": r.key, "label": r.label, "need": _money(r.need), "pupils": r.pupils}
            for r in items
        ]

    return {
        "period": {"start": str(gap.period.start), "end": str(gap.period.end)},
        "need": _money(gap.need),
        "funding": _money(gap.funding),
        "gap": _money(gap.gap),
        "covered_pct": None if gap.covered_pct is None else _money(gap.covered_pct),
        "funding_expected": _money(gap.funding_expected),
        "notional_budget": _money(gap.notional_budget),
        "school_share": _money(gap.school_share),
        "threshold": _money(gap.threshold),
        "threshold_line": _money(gap.threshold_line),
        # Special schools, AP and unit pupils: place + top-up, no notional-budget share.
        "place_kind": gap.lines.place_kind,
        "place_value": None if gap.lines.place_value is None else _money(gap.lines.place_value),
        "place_line": None if gap.lines.place_line is None else _money(gap.lines.place_line),
        "place_pupils": gap.place_pupils,
        "place_share": _money(gap.place_share),
        "place_funding": _money(gap.place_funding),
        "calendar": gap.calendar,
        "pupils_over_threshold": gap.pupils_over_threshold,
        "over_threshold_without_topup": gap.over_threshold_without_topup,
        "support_over_threshold": gap.support_over_threshold,
        "topup_shortfall": _money(gap.topup_shortfall),
        "topup_shortfall_pupils": gap.topup_shortfall_pupils,
        "by_area": rows(gap.by_area),
        "by_need": rows(gap.by_need),
        "by_year_group": rows(gap.by_year_group),
        "by_sen_status": rows(gap.by_sen_status),
        "by_wave": rows(gap.by_wave),
        "funding_by_type": [
            {"key": r.key, "label": r.label, "amount": _money(r.need)} for r in gap.funding_by_type
        ],
    }


class Command(BaseCommand):
    help = "Print a school's SEND funding gap for a period as JSON (default) or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="The school's URN.")
        parser.add_argument("--start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, school, start, end, format, **options):
        target = School.objects.filter(urn=school).first()
        if target is None:
            raise CommandError(f"No school with URN {school}.")
        start, end = _date(start), _date(end)
        if end < start:
            raise CommandError("--end must be on or after --start.")
        data = report(compute_gap(school=target, period=Period(start, end)))
        if format == "json":
            self.stdout.write(json.dumps(data, indent=2))
            return
        writer = safe_csv.writer(self.stdout)
        writer.writerow(["section", "key", "label", "amount", "pupils"])
        headline = ("need", "funding", "gap", "topup_shortfall", "school_share")
        for name in headline + (("place_share", "place_funding") if data["place_kind"] else ()):
            writer.writerow(["headline", name, name.replace("_", " "), Decimal(data[name]), ""])
        for name in ("by_area", "by_need", "by_year_group", "by_sen_status", "by_wave"):
            for row in data[name]:
                writer.writerow(
                    [name, row["key"], row["label"], Decimal(row["need"]), row["pupils"]]
                )
        for row in data["funding_by_type"]:
            writer.writerow(
                ["funding_by_type", row["key"], row["label"], Decimal(row["amount"]), ""]
            )
