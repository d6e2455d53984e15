"""Advocacy forms: each takes `school=` and narrows every choice to that school."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from advocacy.models import (
    BAND_TYPES,
    OPEN,
    PUPIL_TYPES,
    WON,
    ActionStatus,
    AdvocacyAction,
    FundingOpportunity,
    ReformItem,
    TrainingRecord,
    TrainingStatus,
)
from funding.models import TopUpBand, TopUpScheme
from pupils.models import Pupil
from sendfund.lib.dates import bound_dates
from sendfund.lib.money import format_gbp
from sendfund.lib.versions import VersionedFormMixin
from sendfund.schools.models import School

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def school_users(school: School):
    return get_user_model().objects.filter(memberships__school=school).order_by("username")


class ActionForm(VersionedFormMixin, forms.ModelForm):
    """Create or edit an action. Status moves through StatusForm once the action exists."""

    class Meta:
        model = AdvocacyAction
        fields = [
            "type",
            "title",
            "addressed_to",
            "date",
            "status",
            "owner",
            "owner_name",
            "amount_requested",
            "next_step",
            "next_step_due",
            "notes",
            "pupils",
        ]
        widgets = {"date": DATE, "next_step_due": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school: School, show_pupils: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["owner"].queryset = school_users(school)
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        # Governors and the trust read titles and notes: names belong in the pupils field.
        self.fields["title"].help_text = "Governors read this: do not put a pupil's name in it."
        self.fields["notes"].help_text = "Governors read notes too: no pupils' names."
        if self.instance.pk:
            del self.fields["status"]
        else:
            self.fields["status"].choices = [(s.value, s.label) for s in ActionStatus if s in OPEN]
            self.fields["status"].help_text = "Record a decision on the action's page."
        if show_pupils:
            # Pupils on roll, plus any already named (a pupil who has since left stays named).
            on_roll = Pupil.objects.for_school(school).on_roll().values("pk")
            named = self.instance.pupils.values("pk") if self.instance.pk else Pupil.objects.none()
            self.fields["pupils"].queryset = (
                Pupil.objects.for_school(school)
                .filter(Q(pk__in=on_roll) | Q(pk__in=named.values("pk")))
                .order_by("surname", "forename", "pk")
            )
            self.fields["pupils"].label_from_instance = lambda p: (
                f"{p.surname}, {p.forename} ({p.get_year_group_display()})"
            )
            self.fields["pupils"].widget.attrs["size"] = 8
        else:
            del self.fields["pupils"]
        bound_dates(self)

    def clean(self):
        data = super().clean()
        if data.get("pupils") and data.get("type") not in PUPIL_TYPES:
            self.add_error(
                "pupils", "Only top-up and EHC needs assessment requests can name pupils."
            )
        return data


class StatusForm(forms.Form):
    """Move an action along the workflow."""

    status = forms.ChoiceField(label="New status")
    decision_date = forms.DateField(
        required=False, widget=DATE, help_text="Needed for successful, partly or unsuccessful."
    )
    amount_secured = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text="For a successful or partly successful decision, in pounds.",
    )

    band_awarded = forms.ModelChoiceField(
        queryset=TopUpBand.objects.none(),
        required=False,
        label="Band awarded",
        help_text="The LA band of the decision; with no amount, the band's annual amount counts.",
    )

    def __init__(self, *args, action: AdvocacyAction, **kwargs):
        super().__init__(*args, **kwargs)
        if action.type in BAND_TYPES:
            schemes = TopUpScheme.objects.for_school(action.school)
            self.fields["band_awarded"].queryset = (
                TopUpBand.objects.filter(scheme__in=schemes)
                .select_related("scheme")
                .order_by("-scheme__year", "scheme__name", "annual_amount")
            )
            self.fields["band_awarded"].label_from_instance = lambda b: (
                f"{b.scheme.name}: {b.name} ({format_gbp(b.annual_amount)} a year)"
            )
        else:
            del self.fields["band_awarded"]
        choices = action.allowed_statuses()
        if action.status in WON:
            # Keep the decision but correct its date or the amount secured.
            choices.insert(0, (action.status, f"{action.get_status_display()} (no change)"))
        self.fields["status"].choices = choices
        bound_dates(self)


class OpportunityForm(forms.ModelForm):
    link = forms.URLField(required=False, assume_scheme="https", label="Link")

    class Meta:
        model = FundingOpportunity
        fields = ["name", "funder", "amount_available", "deadline", "eligibility", "link", "action"]
        widgets = {"deadline": DATE, "eligibility": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = AdvocacyAction.objects.for_school(school)
        self.fields["action"].required = False
        bound_dates(self)


class TrainingForm(forms.ModelForm):
    class Meta:
        model = TrainingRecord
        fields = [
            "person_name",
            "user",
            "role",
            "qualification",
            "course_name",
            "appointment_date",
            "start_date",
            "completion_date",
            "deadline",
            "status",
            "notes",
        ]
        widgets = {
            "appointment_date": DATE,
            "start_date": DATE,
            "completion_date": DATE,
            "deadline": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = school_users(school)
        self.fields["user"].label = "Account (optional)"
        self.fields["deadline"].help_text = (
            "Worked out for a SENCO's NPQ or NASENCO: 3 years from appointment. "
            "Set it yourself for other courses. NASENCO counts only if started before "
            "1 September 2024."
        )
        bound_dates(self)

    def clean(self):
        data = super().clean()
        record = TrainingRecord(
            role=data.get("role"),
            qualification=data.get("qualification"),
            appointment_date=data.get("appointment_date"),
        )
        if record.is_mandatory and not data.get("appointment_date"):
            self.add_error(
                "appointment_date", "Give the SENCO's appointment date: the deadline runs from it."
            )
        if data.get("status") == TrainingStatus.COMPLETED and not data.get("completion_date"):
            self.add_error("completion_date", "Give the date the course was completed.")
        start, done = data.get("start_date"), data.get("completion_date")
        if start and done and done < start:
            self.add_error("completion_date", "Completion cannot come before the start.")
        return data


class ReformItemForm(forms.ModelForm):
    class Meta:
        model = ReformItem
        fields = ["title", "status", "owner", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.reform_id:
            # A national reform keeps its name; the school records its own position.
            self.fields["title"].disabled = True
        bound_dates(self)
