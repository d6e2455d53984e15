"""Forms for SEN support plans (APDR cycles) and their reviews.

Each error names its field, as the other pupil forms do. The forms only validate: the views
save through pupils.plan_services (a plan, its outcomes and its provision links: all or nothing).
"""

from __future__ import annotations

import datetime as dt

from django import forms

from pupils.forms import _choice_errors, _date_widgets
from pupils.models import ProvisionAssignment, Pupil
from pupils.plan_models import (
    ONE_AWAITING,
    InterventionMeasure,
    ProfessionalInvolvement,
    ProfessionalKind,
    Progress,
    SupportPlan,
)
from sendfund.lib.versions import VersionedFormMixin
from sendfund.schools.models import School

MAX_OUTCOMES = 12
OUTCOME_LENGTH = 500


def provision_label(row: ProvisionAssignment) -> str:
    end = f"{row.end_date:%d/%m/%Y}" if row.end_date else "ongoing"
    return f"{row.provision.name} ({row.start_date:%d/%m/%Y} – {end}, {row.get_status_display()})"


class PlanForm(VersionedFormMixin, forms.ModelForm):
    outcomes = forms.CharField(
        label="Outcomes sought",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One outcome a line, for example “Reads 40 words a minute from a Level 6 book”.",
        error_messages={"required": "Outcomes sought: enter at least one outcome."},
    )

    field_order = [
        "start_date",
        "review_date",
        "assessment",
        "outcomes",
        "provision",
        "pupil_views",
        "parent_views",
    ]

    class Meta:
        model = SupportPlan
        fields = [
            "start_date",
            "review_date",
            "assessment",
            "provision",
            "pupil_views",
            "parent_views",
        ]
        widgets = {
            "assessment": forms.Textarea(attrs={"rows": 3}),
            "pupil_views": forms.Textarea(attrs={"rows": 3}),
            "parent_views": forms.Textarea(attrs={"rows": 3}),
            "provision": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, school: School, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.pupil = school, pupil
        self.instance.school, self.instance.pupil = school, pupil  # the tenant, for validation
        _date_widgets(self)
        field = self.fields["provision"]
        field.queryset = (
            ProvisionAssignment.objects.for_school(school)
            .filter(pupil=pupil)
            .select_related("provision")
            .order_by("-start_date", "pk")
        )
        field.label = "Provision that delivers the plan"
        field.label_from_instance = provision_label
        field.error_messages.update(
            {
                "invalid_choice": "Provision: choose rows of this pupil's provision map.",
                "invalid_pk_value": "Provision: choose rows of this pupil's provision map.",
            }
        )
        if self.instance.pk:
            self.fields["outcomes"].initial = "\n".join(
                o.text for o in self.instance.outcomes.all()
            )
        else:
            today = dt.date.today()
            self.fields["start_date"].initial = today
            self.fields["review_date"].initial = today + dt.timedelta(weeks=12)

    def clean_outcomes(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["outcomes"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError("Outcomes sought: enter at least one outcome.")
        if len(lines) > MAX_OUTCOMES:
            raise forms.ValidationError(
                f"Outcomes sought: at most {MAX_OUTCOMES} outcomes in one cycle "
                f"({len(lines)} entered)."
            )
        for number, line in enumerate(lines, 1):
            if len(line) > OUTCOME_LENGTH:
                raise forms.ValidationError(
                    f"Outcomes sought: outcome {number} is longer than {OUTCOME_LENGTH} "
                    "characters; split it in two."
                )
        return lines

    def clean(self):
        data = super().clean()
        start, review = data.get("start_date"), data.get("review_date")
        if start and review and review <= start:
            self.add_error("review_date", "Review date: must be after the day the cycle starts.")
        awaiting = (
            SupportPlan.objects.for_school(self.school)
            .awaiting_review()
            .filter(pupil=self.pupil)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if awaiting is not None and not self.instance.is_reviewed:
            self.add_error(None, ONE_AWAITING.format(pupil=self.pupil, start=awaiting.start_date))
        return data


class PlanReviewForm(forms.Form):
    """The review of one cycle: progress on each outcome and the next steps."""

    reviewed_on = forms.DateField(label="Reviewed on")
    next_steps = forms.CharField(
        label="Next steps",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Next steps: say what happens next, even “plan ends”."},
    )

    def __init__(self, *args, plan: SupportPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.outcomes = list(plan.outcomes.all())
        self.fields["reviewed_on"].initial = plan.reviewed_on or dt.date.today()
        self.fields["next_steps"].initial = plan.next_steps
        _date_widgets(self)
        for number, outcome in enumerate(self.outcomes, 1):
            label = f"Outcome {number}: {outcome.text}"
            self.fields[f"progress_{outcome.pk}"] = forms.ChoiceField(
                label=label,
                choices=[("", "— choose —"), *Progress.choices],
                initial=outcome.progress,
                error_messages=_choice_errors(
                    f"Outcome {number}", "achieved, partly achieved or not yet achieved"
                ),
            )

    def clean_reviewed_on(self):
        day = self.cleaned_data["reviewed_on"]
        if day < self.plan.start_date:
            raise forms.ValidationError(
                f"Reviewed on: the cycle started on {self.plan.start_date:%d/%m/%Y}; "
                "a review cannot come before it."
            )
        if day > dt.date.today():
            raise forms.ValidationError("Reviewed on: record a review once it has happened.")
        return day

    def progress_fields(self):
        return [self[f"progress_{o.pk}"] for o in self.outcomes]

    def progress(self) -> dict[int, str]:
        """The progress chosen for each outcome, by the outcome's id."""
        return {o.pk: self.cleaned_data[f"progress_{o.pk}"] for o in self.outcomes}


class ProfessionalForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ProfessionalInvolvement
        fields = ["kind", "name", "start_date", "end_date", "advice_date", "advice"]
        widgets = {"advice": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, school: School, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.pupil = school, pupil
        self.instance.school, self.instance.pupil = school, pupil  # the tenant, for validation
        _date_widgets(self)
        self.fields["kind"].error_messages.update(
            _choice_errors("Professional", "the list (choose Other and name the service)")
        )
        if not self.instance.pk:
            self.fields["start_date"].initial = dt.date.today()

    def clean(self):
        data = super().clean()
        start, end, advice = data.get("start_date"), data.get("end_date"), data.get("advice_date")
        if start and end and end < start:
            self.add_error("end_date", "Involved until: cannot be before the involvement began.")
        if start and advice and advice < start:
            self.add_error(
                "advice_date", "Advice received on: cannot be before the involvement began."
            )
        if advice and advice > dt.date.today():
            self.add_error("advice_date", "Advice received on: cannot be in the future.")
        if data.get("kind") == ProfessionalKind.OTHER and not data.get("name"):
            self.add_error("name", "Name or service: say who it is when the professional is Other.")
        return data


class MeasureForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = InterventionMeasure
        fields = [
            "measure_name",
            "standardised",
            "entry_score",
            "entry_date",
            "exit_score",
            "exit_date",
        ]

    def __init__(self, *args, assignment: ProvisionAssignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.instance.school, self.instance.assignment = assignment.school, assignment
        _date_widgets(self)
        for name, label in (("entry_score", "Entry score"), ("exit_score", "Exit score")):
            self.fields[name].error_messages.update(
                {
                    "invalid": f"{label}: enter a number, for example 86 or 12.5.",
                    "required": f"{label}: enter the score.",
                    "max_digits": f"{label}: at most 99,999.99.",
                    "max_decimal_places": f"{label}: at most 2 decimal places.",
                }
            )
        self.fields["measure_name"].error_messages["required"] = (
            "Measure: name the assessment, for example “Salford reading test”."
        )

    def clean(self):
        data = super().clean()
        entry, exit_date, exit_score = (
            data.get("entry_date"),
            data.get("exit_date"),
            data.get("exit_score"),
        )
        if (exit_date is None) != (exit_score is None) and not self.errors.get("exit_score"):
            self.add_error(
                "exit_date" if exit_date is None else "exit_score",
                "Exit: record both the exit score and the date it was measured, or neither.",
            )
        if entry and exit_date and exit_date < entry:
            self.add_error("exit_date", "Exit measured on: cannot be before the entry measure.")
        return data
