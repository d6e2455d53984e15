"""Validation through the forms: every refusal names the field it is about."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from pupils import services
from pupils.codes import NeedCode, SenProvision
from pupils.forms import AssignmentForm, NeedForm, ProvisionForm, PupilAddForm, StatusForm
from pupils.models import Pupil, SenStatus
from pupils.views import _register
from sendfund.lib.forms import add_service_errors
from tests.factories import (
    NeedFactory,
    ProvisionFactory,
    PupilFactory,
    SenStatusFactory,
    StaffRoleFactory,
)

pytestmark = pytest.mark.django_db

VALID = {
    "forename": "Ada",
    "surname": "Lovelace",
    "upn": "a123456789012",
    "date_of_birth": "10/12/2015",
    "year_group": "5",
    "on_roll_date": "2022-09-01",
    "sen_code": "K",
    "primary_need": "SLCN",
    "start_date": "2026-09-01",
}


def _add(school, **changes):
    return PupilAddForm({**VALID, **changes}, school=school)


def _refused(form, service, **kwargs) -> bool:
    """What the views do: a valid form's data to the service, its refusal onto the form."""
    assert form.is_valid(), form.errors
    try:
        service(**kwargs)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return True
    return False


def test_a_valid_pupil_is_saved_with_status_and_need_and_an_upper_case_upn(school):
    form = _add(school)
    assert form.is_valid(), form.errors
    pupil = _register(school, form.cleaned_data)
    assert pupil.upn == "A123456789012"
    assert pupil.date_of_birth == dt.date(2015, 12, 10)
    assert SenStatus.objects.get(pupil=pupil).code == "K"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("upn", "A12345", "UPN"),
        ("upn", "1234567890123", "UPN"),
        ("date_of_birth", "31/02/2015", "Date of birth"),
        ("date_of_birth", "yesterday", "Date of birth"),
        ("on_roll_date", "2022-13-01", "On roll date"),
        ("year_group", "15", "Year group"),
        ("year_group", "Y5", "Year group"),
    ],
)
def test_malformed_input_is_rejected_with_a_message_naming_the_field(school, field, value, words):
    form = _add(school, **{field: value})
    assert not form.is_valid()
    assert words in " ".join(form.errors[field])
    assert not Pupil.objects.exists()


def test_a_upn_used_by_another_pupil_in_the_school_is_rejected(school, other_school):
    PupilFactory(school=other_school, upn="A123456789012")
    assert _add(school).is_valid()  # another school's pupil may share it
    PupilFactory(school=school, upn="A123456789012")
    form = _add(school)
    assert not form.is_valid()
    assert "already has this UPN" in form.errors["upn"][0]


def test_nsa_with_an_ehc_plan_is_rejected_by_the_add_form(school):
    form = _add(school, sen_code="E", primary_need="NSA")
    assert not form.is_valid()
    assert "NSA" in form.errors["primary_need"][0]
    assert not Pupil.objects.exists()


def test_sen_support_without_a_primary_need_is_rejected_by_the_add_form(school):
    form = _add(school, sen_code="K", primary_need="")
    assert not form.is_valid()
    assert "Primary need" in form.errors["primary_need"][0]


def test_an_ehc_plan_without_a_rank_1_need_is_rejected_by_the_status_form(school):
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="N", start_date=dt.date(2024, 9, 1))
    form = StatusForm({"code": "E", "start_date": "2026-01-05"}, school=school, pupil=pupil)
    assert _refused(
        form,
        services.sen_status_change,
        school=school,
        pupil=pupil,
        code="E",
        start_date=dt.date(2026, 1, 5),
    )
    assert "primary need" in form.errors["primary_need"][0]
    assert SenStatus.objects.get(pupil=pupil, end_date__isnull=True).code == "N"


def test_nsa_is_rejected_by_the_need_form_for_a_pupil_with_an_ehc_plan(school):
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="E", start_date=dt.date(2024, 9, 1))
    NeedFactory(pupil=pupil, code="ASD", rank=1)
    form = NeedForm(
        {"code": "NSA", "rank": 2, "start_date": "2026-01-05"}, school=school, pupil=pupil
    )
    assert form.is_valid(), form.errors
    assert _refused(form, services.need_set, school=school, pupil=pupil, **form.cleaned_data)
    assert "NSA" in form.errors["code"][0]


def test_an_overlapping_status_record_is_rejected_by_the_status_form(school):
    pupil = PupilFactory(school=school)
    SenStatusFactory(pupil=pupil, code="K", start_date=dt.date(2025, 9, 1))
    NeedFactory(pupil=pupil, code="SLCN", rank=1, start_date=dt.date(2025, 9, 1))
    form = StatusForm(
        {"code": "E", "start_date": "2025-06-01", "primary_need": "ASD"},
        school=school,
        pupil=pupil,
    )
    assert form.is_valid(), form.errors
    assert _refused(
        form,
        services.sen_status_change,
        school=school,
        pupil=pupil,
        code="E",
        start_date=dt.date(2025, 6, 1),
        primary_need="ASD",
    )
    assert "overlap" in form.errors["start_date"][0]
    assert SenStatus.objects.filter(pupil=pupil).count() == 1


def test_a_provision_needs_a_staff_role_or_a_service_cost(school):
    form = ProvisionForm(
        {
            "name": "Speech therapy",
            "area": "CI",
            "wave": 3,
            "default_hours_per_week": "1",
            "default_group_size": 1,
            "default_weeks": 38,
            "resource_cost_per_pupil": "0",
        },
        school=school,
    )
    assert not form.is_valid()
    assert "Bought-in service cost" in form.errors["service_annual_cost"][0]


def test_the_provision_form_offers_only_this_schools_staff_roles(school, other_school):
    StaffRoleFactory(school=school, name="TA")
    StaffRoleFactory(school=other_school, name="HLTA")
    form = ProvisionForm(school=school)
    assert [r.name for r in form.fields["staff_role"].queryset] == ["TA"]


def test_an_assignment_takes_the_catalogue_defaults_and_rejects_an_end_before_start(school):
    pupil = PupilFactory(school=school)
    provision = ProvisionFactory(
        school=school, default_hours_per_week=Decimal("1.50"), default_group_size=4
    )
    data = {"provision": provision.pk, "status": "in_place", "start_date": "2026-01-05"}
    form = AssignmentForm(data, school=school, pupil=pupil)
    assert form.is_valid(), form.errors
    row = services.provision_assign(school=school, pupil=pupil, **form.cleaned_data)
    assert (row.hours_per_week, row.group_size, row.weeks) == (Decimal("1.50"), 4, 38)
    bad = AssignmentForm(
        {**data, "end_date": "2025-12-01", "status": "ended"}, school=school, pupil=pupil
    )
    assert not bad.is_valid()
    assert "End date" in bad.errors["end_date"][0]


def test_an_assignment_cannot_use_another_schools_provision(school, other_school):
    pupil = PupilFactory(school=school)
    foreign = ProvisionFactory(school=other_school)
    form = AssignmentForm(
        {"provision": foreign.pk, "status": "planned", "start_date": "2026-01-05"},
        school=school,
        pupil=pupil,
    )
    assert not form.is_valid()
    assert "Provision" in form.errors["provision"][0]


def test_a_new_assignment_form_leaves_hours_group_and_weeks_blank_for_the_defaults(school):
    form = AssignmentForm(school=school, pupil=PupilFactory(school=school))
    assert [form[name].value() for name in ("hours_per_week", "group_size", "weeks")] == [
        None,
        None,
        None,
    ]


def test_an_assessment_date_before_the_request_was_received_is_rejected(school):
    from pupils.forms import AssessmentForm

    pupil = PupilFactory(school=school)
    form = AssessmentForm(
        {
            "received_date": "2026-01-05",
            "decision": "assess",
            "decision_date": "2025-12-01",
            "status": "open",
        },
        school=school,
        pupil=pupil,
    )
    assert not form.is_valid()
    assert "Decision date" in form.errors["decision_date"][0]


def test_a_lawful_exception_needs_a_reason_and_a_final_plan_closes_the_request(school):
    from pupils.forms import AssessmentForm

    pupil = PupilFactory(school=school)
    data = {"received_date": "2026-01-05", "status": "open", "exception": "school_closed"}
    form = AssessmentForm(data, school=school, pupil=pupil)
    assert not form.is_valid()
    assert "Exception reason" in form.errors["exception_reason"][0]
    done = AssessmentForm(
        {
            "received_date": "2026-01-05",
            "status": "open",
            "decision": "assess",
            "decision_date": "2026-02-10",
            "final_plan_date": "2026-05-20",
        },
        school=school,
        pupil=pupil,
    )
    assert done.is_valid(), done.errors
    request = done.save()
    assert (request.status, request.final_within_20_weeks) == ("plan_issued", True)


# --- The add form and pupil_register refuse the same combinations (sen_history's rules) ------

NEED_CHOICES = ["", *NeedCode.values]


def _combinations():
    """Every status code x need code x rank (the need alone at rank 1 or 2, or at both)."""
    for status in SenProvision.values:
        for need in NEED_CHOICES:
            yield status, need, ""
            yield status, "", need
            yield status, need, need


def test_the_add_form_and_the_service_refuse_exactly_the_same_combinations(school):
    base = {k: v for k, v in VALID.items() if k != "upn"}
    differ, refused = [], 0
    for status, primary, secondary in _combinations():
        form = PupilAddForm(
            {**base, "sen_code": status, "primary_need": primary, "secondary_need": secondary},
            school=school,
        )
        form_refuses = not form.is_valid()
        savepoint = transaction.savepoint()
        try:
            services.pupil_register(
                school=school,
                forename="Ada",
                surname="Lovelace",
                date_of_birth=dt.date(2015, 12, 10),
                year_group="5",
                sen_code=status,
                primary_need=primary or None,
                secondary_need=secondary or None,
                start_date=dt.date(2026, 9, 1),
            )
        except ValidationError:
            service_refuses = True
        else:
            service_refuses = False
        transaction.savepoint_rollback(savepoint)
        refused += form_refuses
        if form_refuses != service_refuses:
            differ.append((status, primary, secondary, form_refuses, service_refuses))
    assert differ == []
    assert 0 < refused < len(list(_combinations()))  # both answers occur
    assert not Pupil.objects.exists()


@pytest.mark.parametrize(
    ("status", "primary", "secondary", "field", "words"),
    [
        ("K", "", "", "primary_need", "needs a primary need"),
        ("E", "", "SLCN", "primary_need", "needs a primary need"),
        ("E", "NSA", "", "primary_need", "NSA is valid only with SEN support (K)"),
        ("E", "ASD", "NSA", "primary_need", "NSA is valid only with SEN support (K)"),
        ("N", "NSA", "", "primary_need", "NSA is valid only with SEN support (K)"),
        ("K", "SLCN", "SLCN", "secondary_need", "choose a different need"),
    ],
)
def test_the_add_form_words_each_refused_rule_on_its_field(
    school, status, primary, secondary, field, words
):
    form = _add(school, sen_code=status, primary_need=primary, secondary_need=secondary)
    assert not form.is_valid()
    assert words in " ".join(form.errors[field])


@pytest.mark.parametrize(
    ("status", "primary", "secondary"),
    [("N", "SLCN", ""), ("N", "", "ASD"), ("K", "NSA", "SLCN"), ("E", "ASD", "SLCN")],
)
def test_the_add_form_accepts_what_the_rules_allow(school, status, primary, secondary):
    form = _add(school, sen_code=status, primary_need=primary, secondary_need=secondary)
    assert form.is_valid(), form.errors


def test_no_form_repeats_a_sen_history_rule():
    """The forms ask pupils/sen_history.py; a literal E/K/N or NSA check is a second copy."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    literal = re.compile(
        r"""(==|!=|\bin\b|\bnot in\b)\s*\(?\s*["'](E|K|N|NSA)["']"""
        r"""|["'](E|K|N|NSA)["']\s*(==|!=|\bin\b)"""
        r"""|ON_REGISTER_CODES|NeedCode\.NSA|SenProvision\.(SEN_SUPPORT|EHC_PLAN|NO_SEN)\b"""
    )
    found = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for app in ("pupils", "funding", "advocacy", "reports", "sendfund")
        for path in sorted((root / app).glob("**/*forms.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if literal.search(line)
    ]
    assert found == []
