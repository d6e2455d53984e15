"""import_funding and gap_report."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from funding.models import FundingSource, TopUpBand
from tests.factories import FundingSourceFactory, LocalAuthorityFactory, PupilFactory
from tests.funding.factories import pupil_with_provision

pytestmark = pytest.mark.django_db

HEADER = "type,description,amount,period_start,period_end,status,upn,band\n"


@pytest.fixture
def devon_school(school):
    school.local_authority = LocalAuthorityFactory(code="878")  # shipped Devon bands
    school.save()
    return school


def _import(tmp_path, text, *args):
    path = tmp_path / "funding.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_funding", str(path), "--school", "100001", *args, stdout=out)
    return out.getvalue()


def test_import_creates_sources_and_top_ups_from_a_band(tmp_path, devon_school):
    PupilFactory(school=devon_school, upn="A123456789012")

    out = _import(
        tmp_path,
        "notional_sen,Notional SEN 2025-26,42000.00,2025-04-01,2026-03-31,confirmed,,\n"
        "top_up,Top-up,,01/09/2025,31/08/2026,received,A123456789012,Band 2\n",
    )

    assert "2 row(s)" in out and "2 new" in out
    notional = FundingSource.objects.get(type="notional_sen")
    assert notional.amount == Decimal("42000.00")
    top_up = FundingSource.objects.get(type="top_up")
    assert top_up.band == TopUpBand.objects.get(name="Band 2")
    assert top_up.amount == Decimal("3100.00")  # a whole academic year of Devon Band 2
    assert top_up.pupil.upn == "A123456789012"


def test_importing_the_same_file_twice_changes_nothing(tmp_path, school):
    row = "la_grant,Inclusion grant,1500,2025-09-01,2026-08-31,expected,,\n"
    _import(tmp_path, row)

    out = _import(tmp_path, row)

    assert "0 new, 0 updated, 1 unchanged" in out
    assert FundingSource.objects.count() == 1


def test_a_changed_status_updates_the_existing_row(tmp_path, school):
    _import(tmp_path, "la_grant,Inclusion grant,1500,2025-09-01,2026-08-31,expected,,\n")

    out = _import(tmp_path, "la_grant,Inclusion grant,1500,2025-09-01,2026-08-31,received,,\n")

    assert "1 updated" in out
    assert FundingSource.objects.get().status == "received"


def test_one_bad_row_imports_nothing_and_names_row_and_column(tmp_path, school):
    with pytest.raises(CommandError) as exc:
        _import(
            tmp_path,
            "la_grant,Good row,100,2025-09-01,2026-08-31,confirmed,,\n"
            "la_grant,Bad dates,100,2025-09-01,2025-08-31,confirmed,,\n"
            # "grant" is a word the import now accepts (issue #9); "lottery win" is not a type.
            "lottery win,Bad type,abc,2025-09-01,2026-08-31,confirmed,,\n"
            "top_up,No pupil,100,2025-09-01,2026-08-31,confirmed,Z999999999999,\n",
        )

    message = str(exc.value)
    assert "Nothing imported" in message
    assert "Row 3, column period_end: before period_start" in message
    assert "Row 4, column type:" in message
    assert "Row 4, column amount:" in message
    assert "Row 5, column upn: no pupil with UPN Z999999999999" in message
    assert FundingSource.objects.count() == 0


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Notional SEN budget", "notional_sen"),
        ("notional sen budget (element 2)", "notional_sen"),
        ("Element 2", "notional_sen"),
        ("NOTIONAL_SEN", "notional_sen"),
        ("element 3 top-up", "top_up"),
        ("Top-up", "top_up"),
        ("Element 3", "top_up"),
        ("Place funding", "place"),
        ("places", "place"),
        ("Pupil Premium", "pupil_premium"),
        ("Disability Access Fund", "daf"),
        ("Local authority grant", "la_grant"),
        ("grant", "other_grant"),
        ("Trust fund", "trust_fund"),
    ],
)
def test_types_are_read_from_the_words_schools_use(tmp_path, school, written, code):
    PupilFactory(school=school, upn="A123456789012")
    upn = "A123456789012" if code == "top_up" else ""
    _import(tmp_path, f'"{written}",Money,1200.00,2025-09-01,2026-08-31,Confirmed,{upn},\n')
    assert FundingSource.objects.get().type == code


@pytest.mark.parametrize(
    ("written", "code"),
    [("Agreed", "confirmed"), ("PAID", "received"), ("forecast", "expected")],
)
def test_statuses_are_read_from_the_words_schools_use(tmp_path, school, written, code):
    _import(tmp_path, f"Notional SEN budget,Notional,100,2025-04-01,2026-03-31,{written},,\n")
    assert FundingSource.objects.get().status == code


def test_an_unknown_type_word_names_row_column_and_the_types_and_writes_nothing(tmp_path, school):
    with pytest.raises(CommandError) as exc:
        _import(
            tmp_path,
            "Notional SEN budget,Notional,100,2025-04-01,2026-03-31,confirmed,,\n"
            "Bake sale,Cakes,100,2025-04-01,2026-03-31,confirmed,,\n",
        )
    message = str(exc.value)
    assert "Row 3, column type: 'Bake sale' is not one of:" in message
    assert "Notional SEN budget (element 2) (notional_sen)" in message
    assert FundingSource.objects.count() == 0


def test_a_dry_run_reports_but_writes_nothing(tmp_path, school):
    out = _import(
        tmp_path, "la_grant,Inclusion grant,1500,2025-09-01,2026-08-31,expected,,\n", "--dry-run"
    )

    assert "Would import 1 row(s)" in out
    assert FundingSource.objects.count() == 0


def test_upn_and_band_are_refused_on_other_types(tmp_path, school):
    with pytest.raises(CommandError, match="Row 2, column upn: only for top-ups"):
        _import(tmp_path, "la_grant,Grant,1,2025-09-01,2026-08-31,expected,A123456789012,\n")


def test_an_unknown_school_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="No school with URN 100001"):
        _import(tmp_path, "")


def test_gap_report_prints_json_with_money_to_the_penny(school):
    pupil_with_provision(school, annual_cost=Decimal("7300"), area="CI")
    FundingSourceFactory(school=school, amount=Decimal("3650.00"))  # FY 2024-25

    out = io.StringIO()
    call_command(
        "gap_report", "--school", "100001", "--start", "2024-09-01", "--end", "2024-12-31",
        stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())

    # Autumn 2024 has 72 of the default calendar's 190 school days in 2024/25:
    # need 7,300 x 72/190 = 2,766.3157...; funding by calendar day 3,650 x 122/365 = 1,220.
    assert data["need"] == "2766.32"
    assert data["funding"] == "1220.00"
    assert data["gap"] == "1546.32"  # 2,766.3157... - 1,220
    assert data["by_area"] == [
        {"key": "CI", "label": "Communication and interaction", "need": "2766.32", "pupils": 1}
    ]
    assert data["pupils_over_threshold"] == 1
    assert data["over_threshold_without_topup"] == 1
    assert data["threshold_line"] == "2273.68"  # 6,000 x 72/190
    assert data["topup_shortfall"] == "492.63"  # (7,300 - 6,000) x 72/190
    assert data["calendar"].startswith("School days from 2024/25: the default calendar")


def test_gap_report_writes_csv(school):
    pupil_with_provision(school, annual_cost=Decimal("3650"))
    out = io.StringIO()
    call_command(
        "gap_report", "--school", "100001", "--start", "2024-09-01", "--end", "2024-12-31",
        "--format", "csv", stdout=out,
    )  # fmt: skip

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["section", "key", "label", "amount", "pupils"]
    assert ["headline", "need", "need", "1383.16", ""] in rows  # 3,650 x 72/190


def test_gap_report_refuses_an_end_before_the_start(school):
    with pytest.raises(CommandError, match="on or after"):
        call_command(
            "gap_report", "--school", "100001", "--start", "2025-01-02", "--end", "2025-01-01"
        )
