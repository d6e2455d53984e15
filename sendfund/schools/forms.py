import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from sendfund.lib.dates import bound_dates
from sendfund.schools.models import School, TermBlock
from sendfund.schools.roles import Role
from sendfund.schools.services import grantable_roles
from sendfund.schools.term_dates import TermDatesError, read_blocks


class SchoolSettingsForm(forms.ModelForm):
    class Meta:
        model = School
        fields = [
            "name",
            "delivery_weeks",
            "costing_basis",
            "unit",
            "senco_edits_funding",
            "sso_domains",
        ]
        help_texts = {
            "unit": (
                "Mainstream schools only. Pupils you mark as unit pupils are then funded by a "
                "£6,000 place plus top-up, outside the notional SEN budget."
            ),
            "delivery_weeks": "Weeks a year provision is delivered: usually 38, some LAs use 39.",
            "costing_basis": (
                "Which hourly rates cost the provision map. "
                "Your LA profile says which counts towards the £6,000 threshold."
            ),
        }

    def clean_sso_domains(self) -> str:
        domains = []
        for raw in self.cleaned_data.get("sso_domains", "").replace(";", ",").split(","):
            domain = raw.strip().lower().lstrip("@")
            if not domain:
                continue
            if not DOMAIN_RE.fullmatch(domain):
                raise ValidationError(f"{domain} is not a domain name (e.g. school.sch.uk).")
            domains.append(domain)
        return ", ".join(dict.fromkeys(domains))


DOMAIN_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class InviteForm(forms.Form):
    """Invite a colleague by email address; they choose their own username and password."""

    email = forms.EmailField(
        label="Email address",
        help_text="Their school email address: the invitation link is sent there.",
    )
    role = forms.ChoiceField(choices=[])

    def __init__(self, *args, actor_role: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor_role)


class AcceptInvitationForm(forms.Form):
    """A new account from an invitation: a username, and a password unless the school's
    single sign-on will be used."""

    username = forms.CharField(
        max_length=150,
        help_text="What you will type to sign in (your email address works too).",
        validators=[UnicodeUsernameValidator()],
    )
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, sso: bool = False, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)
        if sso:
            for name in ("password1", "password2"):
                self.fields[name].required = False
            self.fields[
                "password1"
            ].help_text = (
                "Leave both empty to sign in only with your school's Microsoft or Google account."
            )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError("That username is taken: choose another.")
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if (p1 or p2 or self.fields["password1"].required) and not self.errors:
            if p1 != p2:
                self.add_error("password2", "The two passwords differ.")
            else:
                user = get_user_model()(username=data.get("username", ""), email=self.email)
                try:
                    validate_password(p1, user)
                except ValidationError as exc:
                    self.add_error("password1", exc)
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


class TermBlockForm(forms.Form):
    start_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_dates(self)

    kind = forms.ChoiceField(choices=TermBlock.Kind.choices, initial=TermBlock.Kind.OPEN)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The block ends before it starts.")
        return data


class TermDatesUploadForm(forms.Form):
    file = forms.FileField(
        label="Term dates CSV",
        help_text="Columns start_date, end_date, kind (open or closed). All or nothing.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = getattr(settings, "SENDFUND_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
        if upload.size > limit:
            raise ValidationError("The file is too large.")
        try:
            return read_blocks(upload.read())
        except TermDatesError as exc:
            raise ValidationError(exc.errors) from exc
