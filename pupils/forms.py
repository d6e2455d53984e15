"""Forms for the register, provision map and clocks. Each takes `school=` and narrows choices.

Error messages name their field ("Date of birth: …") so that a message read on its own, by a
screen reader or in a summary, still says what to fix.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape as escape
from django.utils.safestring import mark_safe

from pupils import clocks, sen_history
from pupils.codes import (
    CURRENT_SEN_CODES,
    BroadArea,
    NeedCode,
    SenProvision,
    YearGroup,
)
from pupils.models import (
    AnnualReview,
    AssessmentDecision,
    AssessmentRequest,
    AssessmentStatus,
    AssignmentStatus,
    Provision,
    ProvisionAssignment,
    Pupil,
    StaffRate,
    StaffRole,
    upn_validator,
)
from sendfund.lib.dates import PlausibleDateValidator, bound_dates
from sendfund.lib.versions import VersionedFormMixin
from sendfund.schools.models import School

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
CURRENT_STATUS_CHOICES = [(c.value, c.label) for c in SenProvision if c.value in CURRENT_SEN_CODES]


def date_field(label: str, *, required: bool = True, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": f"{label}: enter a real date, for example 31/01/2026.",
            "required": f"{label}: enter a date.",
        },
        validators=[PlausibleDateValidator(label)],
        **kwargs,
    )


def _choice_errors(label: str, hint: str) -> dict:
    return {
        "invalid_choice": f"{label}: choose one of {hint}.",
        "required": f"{label}: choose one of {hint}.",
    }


def _date_widgets(form: forms.Form) -> None:
    """Model date fields get the same widget, formats and named messages as date_field()."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            label = str(field.label)
            field.input_formats = DATE_FORMATS
            field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            field.error_messages["invalid"] = f"{label}: enter a real date, for example 31/01/2026."
            field.error_messages["required"] = f"{label}: enter a date."
    bound_dates(form)


class PupilForm(VersionedFormMixin, forms.ModelForm):
    """Edit a pupil's details (SEN status and needs change through their own forms)."""

    class Meta:
        model = Pupil
        fields = [
            "forename",
            "surname",
            "upn",
            "date_of_birth",
            "year_group",
            "pupil_premium",
            "looked_after",
            "on_roll_date",
            "left_date",
            "in_unit",
        ]

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school  # the tenant, for validation
        if not school.has_unit:
            # Only meaningful where the school has a resourced provision or SEN unit.
            del self.fields["in_unit"]
        else:
            self.fields["in_unit"].label = f"In the {school.get_unit_display().lower()}"
        _date_widgets(self)
        self.fields["year_group"].error_messages.update(
            _choice_errors("Year group", "N1, N2, R or 1 to 14")
        )
        self.fields["upn"].validators = []  # checked in clean_upn after upper-casing

    def clean_upn(self) -> str:
        upn = (self.cleaned_data.get("upn") or "").strip().upper()
        if not upn:
            return ""
        try:
            upn_validator(upn)
        except ValidationError:
            raise ValidationError(
                "UPN: a capital letter then 12 digits, or 11 digits and a capital letter "
                "(for example A123456789012)."
            ) from None
        clash = Pupil.objects.for_school(self.school).filter(upn=upn)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("UPN: another pupil in this school already has this UPN.")
        return upn

    def clean(self):
        data = super().clean()
        joined, left = data.get("on_roll_date"), data.get("left_date")
        if joined and left and left < joined:
            self.add_error("left_date", "Left date: a pupil cannot leave before joining.")
        born = data.get("date_of_birth")
        if born and born > dt.date.today():
            self.add_error("date_of_birth", "Date of birth: this date is in the future.")
        return data


# sen_history.add_problems' problems, worded for the add form.
ADD_MESSAGES = {
    "primary": (
        "primary_need",
        "Primary need: an EHC plan (E) or SEN support (K) needs a primary need.",
    ),
    "nsa": ("primary_need", "Primary need: NSA is valid only with SEN support (K)."),
    "repeat": ("secondary_need", "Secondary need: choose a different need."),
}


class PupilAddForm(PupilForm):
    """A new pupil with their SEN status and needs, recorded in one step."""

    sen_code = forms.ChoiceField(
        label="SEN provision",
        choices=CURRENT_STATUS_CHOICES,
        initial="N",
        error_messages=_choice_errors("SEN provision", "E, K or N"),
    )
    primary_need = forms.ChoiceField(
        label="Primary need", choices=[("", "—")] + list(NeedCode.choices), required=False
    )
    secondary_need = forms.ChoiceField(
        label="Secondary need", choices=[("", "—")] + list(NeedCode.choices), required=False
    )
    start_date = date_field("SEN status from", required=False)

    class Meta(PupilForm.Meta):
        fields = [f for f in PupilForm.Meta.fields if f != "left_date"]

    def clean(self):
        data = super().clean()
        # The rules are sen_history's (the service refuses the same combinations); an
        # unknown status code is already the field's own error.
        problems = {
            problem
            for _rank, problem in sen_history.add_problems(
                data.get("sen_code") or "", data.get("primary_need"), data.get("secondary_need")
            )
        }
        for problem, (field, message) in ADD_MESSAGES.items():
            if problem in problems:
                self.add_error(field, message)
        return data


class PupilChangeForm(forms.Form):
    """A plain form about one pupil; the view passes its cleaned data to a service."""

    def __init__(self, *args, school: School, pupil: Pupil | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.pupil = school, pupil


class StatusForm(PupilChangeForm):
    code = forms.ChoiceField(
        label="SEN provision",
        choices=CURRENT_STATUS_CHOICES,
        error_messages=_choice_errors("SEN provision", "E, K or N"),
    )
    start_date = date_field("From", initial=dt.date.today)
    primary_need = forms.ChoiceField(
        label="Primary need (if it changes)",
        choices=[("", "— keep the current one —")] + list(NeedCode.choices),
        required=False,
    )
    note = forms.CharField(max_length=300, required=False)


class NeedForm(PupilChangeForm):
    code = forms.ChoiceField(
        label="Need", choices=NeedCode.choices, error_messages=_choice_errors("Need", "the list")
    )
    rank = forms.IntegerField(
        label="Rank",
        min_value=1,
        max_value=9,
        initial=1,
        help_text="1 = primary need, 2 = secondary need.",
        error_messages={"invalid": "Rank: a whole number, 1 for the primary need."},
    )
    start_date = date_field("From", initial=dt.date.today)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class EndForm(forms.Form):
    end_date = date_field("End date", initial=dt.date.today)
    outcome = forms.CharField(
        label="Outcome", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class StaffRoleForm(forms.ModelForm):
    class Meta:
        model = StaffRole
        fields = ["name"]

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school  # the tenant, for validation

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = StaffRole.objects.for_school(self.school).filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("Name: this school already has a staff role with this name.")
        return name


class StaffRateForm(forms.ModelForm):
    class Meta:
        model = StaffRate
        fields = ["academic_year", "la_standard_hourly_rate", "actual_hourly_rate"]
        labels = {"academic_year": "Academic year starting (e.g. 2026 for 2026/27)"}

    def __init__(self, *args, school: School, staff_role: StaffRole, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.staff_role = school, staff_role
        self.instance.school, self.instance.staff_role = school, staff_role  # the tenant
        self.fields["academic_year"].min_value = 2000
        self.fields["academic_year"].widget.attrs.update(min=2000, max=2100)

    def clean_academic_year(self) -> int:
        year = self.cleaned_data["academic_year"]
        if not 2000 <= year <= 2100:
            raise ValidationError("Academic year: a year such as 2026 (for 2026/27).")
        clash = StaffRate.objects.for_school(self.school).filter(
            staff_role=self.staff_role, academic_year=year
        )
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                "Academic year: this role already has rates for that year; edit them instead."
            )
        return year


class CostingBasisForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["costing_basis"]
        labels = {"costing_basis": "Cost the provision map with"}
        widgets = {"costing_basis": forms.RadioSelect}
        error_messages = {
            "costing_basis": {
                "required": "Costing basis: choose actual costs or the LA's standard rates.",
                "invalid_choice": "Costing basis: choose actual costs or the LA's standard rates.",
            }
        }


class ProvisionForm(forms.ModelForm):
    class Meta:
        model = Provision
        fields = [
            "name",
            "area",
            "wave",
            "staff_role",
            "service_annual_cost",
            "default_hours_per_week",
            "default_group_size",
            "default_weeks",
            "resource_cost_per_pupil",
            "description",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.instance.school = school  # the tenant, for validation
        self.fields["staff_role"].queryset = StaffRole.objects.for_school(school)
        self.fields["staff_role"].empty_label = "— bought-in service —"
        self.fields["area"].error_messages.update(_choice_errors("Broad area", "the list"))
        self.fields["wave"].error_messages.update(_choice_errors("Wave", "2 or 3"))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Provision.objects.for_school(self.school).filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("Name: the catalogue already has a provision with this name.")
        return name

    def clean(self):
        data = super().clean()
        if not data.get("staff_role") and data.get("service_annual_cost") is None:
            self.add_error(
                "service_annual_cost",
                "Bought-in service cost: choose who delivers it, or give the annual cost of "
                "the bought-in service.",
            )
        return data


class AssignmentForm(VersionedFormMixin, forms.ModelForm):
    """Assign or edit a row of a pupil's provision map. Blank hours etc. take the defaults."""

    class Meta:
        model = ProvisionAssignment
        fields = [
            "provision",
            "status",
            "start_date",
            "end_date",
            "hours_per_week",
            "group_size",
            "weeks",
            "review_date",
            "outcome",
        ]
        widgets = {"outcome": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, school: School, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.pupil = school, pupil
        self.instance.school, self.instance.pupil = school, pupil  # the tenant, for validation
        _date_widgets(self)
        qs = Provision.objects.for_school(school).select_related("staff_role")
        if not self.instance.pk:
            qs = qs.filter(active=True)
        self.fields["provision"].queryset = qs
        self.fields["provision"].error_messages.update(
            _choice_errors("Provision", "the catalogue's provisions")
        )
        for name in ("hours_per_week", "group_size", "weeks"):
            self.fields[name].required = False
            self.fields[name].help_text = "Leave blank to use the catalogue's default."
            if not self.instance.pk:
                # Not the model's 1 and 38: blank takes the catalogue entry's defaults.
                self.initial.pop(name, None)
                self.fields[name].initial = None
        self.fields["status"].error_messages.update(
            _choice_errors("Status", "planned, in place or ended")
        )
        self.fields["weeks"].widget.attrs.update(max=52)
        if not self.instance.pk:
            self.fields["start_date"].initial = dt.date.today()

    def clean(self):
        data = super().clean()
        provision = data.get("provision")
        if provision is not None:
            if data.get("hours_per_week") is None:
                data["hours_per_week"] = provision.default_hours_per_week
            data["group_size"] = data.get("group_size") or provision.default_group_size
            data["weeks"] = data.get("weeks") or provision.default_weeks
        if data.get("weeks") and data["weeks"] > 52:
            self.add_error("weeks", "Weeks delivered per year: at most 52.")
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "End date: provision cannot end before it starts.")
        if data.get("status") == AssignmentStatus.ENDED and not end:
            self.add_error("end_date", "End date: ended provision needs the date it ended.")
        # The catalogue's defaults, also where a field was left out of the post altogether
        # (a ModelForm keeps the model's default for an omitted field).
        for name in ("hours_per_week", "group_size", "weeks"):
            if data.get(name) is not None:
                setattr(self.instance, name, data[name])
        return data


class AssessmentForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = AssessmentRequest
        fields = [
            "received_date",
            "decision",
            "decision_date",
            "advice_date",
            "draft_plan_date",
            "final_plan_date",
            "exception",
            "exception_reason",
            "status",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school: School, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.pupil = school, pupil
        self.instance.school, self.instance.pupil = school, pupil  # the tenant, for validation
        _date_widgets(self)

    def clean(self):
        data = super().clean()
        received = data.get("received_date")
        labels = {
            "decision_date": "Decision date",
            "advice_date": "Professional advice date",
            "draft_plan_date": "Draft plan date",
            "final_plan_date": "Final plan date",
        }
        for name, label in labels.items():
            value = data.get(name)
            if received and value and value < received:
                self.add_error(name, f"{label}: cannot be before the request was received.")
        if data.get("decision") and not data.get("decision_date"):
            self.add_error("decision_date", "Decision date: give the date of the LA's decision.")
        if data.get("decision_date") and not data.get("decision"):
            self.add_error("decision", "Decision: say whether the LA agreed to assess.")
        if data.get("exception") and not data.get("exception_reason"):
            self.add_error("exception_reason", "Exception reason: say briefly what happened.")
        if data.get("decision") == AssessmentDecision.REFUSE:
            data["status"] = AssessmentStatus.REFUSED
        elif data.get("final_plan_date") and data.get("status") == AssessmentStatus.OPEN:
            data["status"] = AssessmentStatus.PLAN_ISSUED
        return data


class ReviewForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = AnnualReview
        fields = [
            "previous_date",
            "due_date",
            "papers_sent_date",
            "meeting_date",
            "report_sent_date",
            "la_decision",
            "la_decision_date",
            "amended_plan_date",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school: School, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.pupil = school, pupil
        self.instance.school, self.instance.pupil = school, pupil  # the tenant, for validation
        _date_widgets(self)
        self.fields["due_date"].required = False
        self.fields[
            "due_date"
        ].help_text = "Leave blank: 12 months after the last review (6 months for a child under 5)."

    def clean(self):
        data = super().clean()
        previous = data.get("previous_date")
        if previous and not data.get("due_date"):
            data["due_date"] = clocks.review_due_date(pupil=self.pupil, previous_date=previous)
        if previous and data.get("due_date") and data["due_date"] <= previous:
            self.add_error("due_date", "Due date: must be after the last review.")
        if data.get("la_decision") and not data.get("la_decision_date"):
            self.add_error("la_decision_date", "LA decision date: give the date of the decision.")
        if data.get("due_date"):
            self.instance.due_date = data["due_date"]  # also when worked out from the last one
        return data


class RegisterFilterForm(forms.Form):
    """The register's filters; invalid values are ignored rather than shown as errors."""

    q = forms.CharField(label="Name or UPN", required=False)
    status = forms.ChoiceField(
        label="SEN status",
        required=False,
        choices=[("", "Any"), ("EK", "On the SEN register (E or K)")] + CURRENT_STATUS_CHOICES,
    )
    need = forms.ChoiceField(
        label="Need (any rank)", required=False, choices=[("", "Any")] + list(NeedCode.choices)
    )
    area = forms.ChoiceField(
        label="Broad area (primary need)",
        required=False,
        choices=[("", "Any")] + list(BroadArea.choices),
    )
    year_group = forms.ChoiceField(
        label="Year group", required=False, choices=[("", "Any")] + list(YearGroup.choices)
    )
    include_left = forms.BooleanField(label="Include pupils who have left", required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def filters(self) -> dict:
        if self.is_valid():
            return self.cleaned_data
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}

    SELECTED = {True: " selected", False: ""}

    def selects(self) -> list[dict]:
        """The four drop-downs as the template draws them: each field's name, id, label and
        options as HTML, the submitted value selected (written here: the template's loop
        over some fifty options cost more than the register's rows)."""
        out = []
        for name in ("status", "need", "area", "year_group"):
            field = self[name]
            chosen = str(field.value() or "")
            out.append(
                {
                    "name": name,
                    "id": field.id_for_label,
                    "label": field.label,
                    "options": mark_safe(  # noqa: S308 (values and labels escaped)
                        "".join(
                            f'<option value="{escape(value)}"{self.SELECTED[str(value) == chosen]}>'
                            f"{escape(label)}</option>"
                            for value, label in field.field.choices
                        )
                    ),
                }
            )
        return out
