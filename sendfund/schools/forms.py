from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from sendfund.schools.models import Membership, School
from sendfund.schools.roles import Role
from sendfund.schools.services import grantable_roles


class SchoolSettingsForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["name", "delivery_weeks", "costing_basis", "senco_edits_funding"]
        help_texts = {
            "delivery_weeks": "Weeks a year provision is delivered: usually 38, some LAs use 39.",
            "costing_basis": (
                "Which hourly rates cost the provision map. "
                "Your LA profile says which counts towards the £6,000 threshold."
            ),
        }


class AddMemberForm(forms.Form):
    """Add a colleague: an existing account by username, or a new one with a temporary password."""

    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False, help_text="Needed for a new account.")
    role = forms.ChoiceField(choices=[])

    def __init__(self, *args, school: School, actor_role: str | None, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor_role)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if Membership.objects.filter(school=self.school, user__username__iexact=username).exists():
            raise ValidationError("This person already has a role at this school.")
        return username

    def clean(self):
        data = super().clean()
        exists = get_user_model().objects.filter(username__iexact=data.get("username", "")).exists()
        if not exists and not data.get("email"):
            self.add_error("email", "Give an email address for a new account.")
        return data


class ChangeRoleForm(forms.Form):
    """Any school role is a valid choice here; whether this person may give it is the
    service's rule, which says why when it refuses."""

    role = forms.ChoiceField(choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(Role.HEAD)


def role_choices(actor_role: str | None) -> list[tuple[str, str]]:
    """Only heads are offered the head role (services enforce it as well)."""
    return [(r.value, r.label) for r in grantable_roles(actor_role)]
