"""django-allauth glue: who may sign up (nobody), the sign-in form, and the messages it shows.

Accounts are created by invitation only (people page); allauth handles sign-in by username or
email address, password reset and change, email changes (verified by a link before they take
effect) and two-factor authentication.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.views import LoginView as AllauthLoginView
from axes.decorators import axes_dispatch, axes_form_invalid
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.decorators import method_decorator

WRONG_PASSWORD = (
    "Please enter a correct username and password (an email address works instead of the "
    "username). Both are case-sensitive."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": WRONG_PASSWORD,
        "email_password_mismatch": WRONG_PASSWORD,
        "too_many_login_attempts": "Too many failed sign-in attempts. Try again later, or "
        "reset your password by email.",
    }

    def is_open_for_signup(self, request) -> bool:
        """Nobody signs themselves up: a head or administrator invites colleagues."""
        return False


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = "Username or email address"
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields.pop("remember", None)


@method_decorator(axes_dispatch, name="dispatch")
@method_decorator(axes_form_invalid, name="form_invalid")
class LoginView(AllauthLoginView):
    """allauth's sign-in view with django-axes watching it (axes' documented integration)."""


login = LoginView.as_view()


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def keep_an_email_address_row(sender, instance, created, raw=False, **kwargs) -> None:
    """Accounts made outside allauth (invitations, the demo, createsuperuser, the admin) get
    the primary EmailAddress row allauth expects, unverified until a link proves it."""
    if raw or not instance.email:
        return
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(user=instance)
    if addresses.filter(email__iexact=instance.email).exists() or addresses.exists():
        return
    if EmailAddress.objects.filter(email__iexact=instance.email).exists():
        return  # another account holds it: never attach someone else's address
    EmailAddress.objects.create(
        user=instance, email=instance.email.lower(), primary=True, verified=False
    )
