from tests.url_matrix import UrlCase

CASES = [
    UrlCase("home", None),
    UrlCase("healthz", None, public=True),
    UrlCase("robots_txt", None, public=True),
    # Accounts (django-allauth). Signed-in pages that ask for a recent password first answer
    # 302 to the re-authentication page.
    UrlCase("account_login", None, public=True, ok_status=(200, 302)),
    UrlCase("account_logout", None, method="post", ok_status=(302,)),
    UrlCase("account_inactive", None, public=True),
    UrlCase(
        "account_signup",
        None,
        public=True,
        ok_status=(200, 302),
        notes="closed: accounts come by invitation",
    ),
    UrlCase("account_reauthenticate", None, ok_status=(200, 302)),
    UrlCase("account_email", None),
    UrlCase("account_email_verification_sent", None, public=True),
    UrlCase("account_change_password", None, ok_status=(200, 302)),
    UrlCase("account_set_password", None, ok_status=(200, 302)),
    UrlCase("account_reset_password", None, public=True),
    UrlCase("account_reset_password_done", None, public=True),
    UrlCase(
        "account_reset_password_from_key",
        None,
        public=True,
        kwargs=lambda school: {"uidb36": "1", "key": "not-a-key"},
    ),
    UrlCase("account_reset_password_from_key_done", None, public=True),
    UrlCase("account_confirm_email", None, public=True, kwargs=lambda school: {"key": "nope"}),
    UrlCase("account_confirm_login_code", None, public=True, ok_status=(200, 302)),
    # Reauthentication by emailed code (allauth): not switched on here, so it sends the user
    # back to the password reauthentication (302) or answers 404; never a 500.
    UrlCase("account_request_reauthentication_code", None, ok_status=(200, 302, 404)),
    UrlCase("account_confirm_reauthentication_code", None, ok_status=(200, 302, 404)),
    UrlCase("mfa_index", None),
    UrlCase("mfa_authenticate", None, public=True, ok_status=(200, 302)),
    UrlCase("mfa_reauthenticate", None, ok_status=(200, 302)),
    UrlCase("mfa_activate_totp", None, ok_status=(200, 302)),
    UrlCase("mfa_deactivate_totp", None, ok_status=(200, 302, 404)),
    UrlCase("mfa_view_recovery_codes", None, ok_status=(200, 302, 404)),
    UrlCase("mfa_generate_recovery_codes", None, ok_status=(200, 302, 404)),
    UrlCase("mfa_download_recovery_codes", None, ok_status=(200, 302, 404)),
    UrlCase("mfa_list_webauthn", None, ok_status=(200, 302)),
    UrlCase("mfa_add_webauthn", None, ok_status=(200, 302)),
    UrlCase("mfa_reauthenticate_webauthn", None, ok_status=(200, 302, 404)),
    UrlCase("usersessions_list", None),
    UrlCase("schools:sign_out_everywhere", None, method="post", ok_status=(302,)),
    UrlCase("schools:keep_alive", None),
    UrlCase("socialaccount_connections", None),
    # Single sign-on: no provider is configured in the matrix, so both answer 404
    # (tests/schools/test_sso.py runs them against a real provider).
    UrlCase(
        "openid_connect_login",
        None,
        public=True,
        kwargs=lambda school: {"provider_id": "oidc"},
        ok_status=(404,),
    ),
    UrlCase(
        "openid_connect_callback",
        None,
        public=True,
        kwargs=lambda school: {"provider_id": "oidc"},
        ok_status=(404,),
    ),
    UrlCase("socialaccount_login_cancelled", None, public=True),
    UrlCase("socialaccount_login_error", None, public=True, ok_status=(401,)),
    UrlCase("socialaccount_signup", None, public=True, ok_status=(200, 302)),
    UrlCase(
        "schools:switch",
        None,
        method="post",
        ok_status=(302,),
        data=lambda school: {"school": str(school.public_id)},
    ),
]


def _membership(school):
    from sendfund.schools.roles import Role
    from tests.factories import MembershipFactory

    return {"public_id": MembershipFactory(school=school, role=Role.GOVERNOR).public_id}


CASES += [
    UrlCase("schools:settings", "school.manage"),
    UrlCase("schools:people", "school.manage"),
    UrlCase(
        "schools:membership",
        "school.manage",
        kwargs=_membership,
        method="post",
        data=lambda school: {"action": "change", "role": "governor"},
        ok_status=(302,),
    ),
]


def _passkey(school):
    """A passkey of someone at `school`: only its owner may edit or remove it (404 otherwise)."""
    from allauth.mfa.models import Authenticator

    from sendfund.schools.roles import Role
    from tests.factories import MembershipFactory

    owner = MembershipFactory(school=school, role=Role.SENCO).user
    key = Authenticator.objects.create(
        user=owner, type=Authenticator.Type.WEBAUTHN, data={"name": "Key", "credential": {}}
    )
    return {"pk": key.pk}


CASES += [
    UrlCase("mfa_edit_webauthn", None, kwargs=_passkey, ok_status=(404,)),
    UrlCase("mfa_remove_webauthn", None, kwargs=_passkey, ok_status=(404,)),
]


def _invitation(school):
    """A pending invitation of `school` (another school's is a 404)."""
    import datetime as dt

    from django.utils import timezone

    from sendfund.schools.models import Invitation
    from sendfund.schools.roles import Role

    now = timezone.now()
    invitation = Invitation.objects.create(
        school=school,
        email=f"invitee-{Invitation.objects.count()}@example.org",
        role=Role.GOVERNOR,
        token_hash=f"{Invitation.objects.count():064d}",
        sent_at=now,
        expires_at=now + dt.timedelta(days=7),
    )
    return {"public_id": invitation.public_id}


CASES += [
    UrlCase(
        "schools:invitation",
        "school.manage",
        kwargs=_invitation,
        method="post",
        data=lambda school: {"action": "withdraw"},
        ok_status=(302,),
    ),
    UrlCase(
        "schools:invitation_accept",
        None,
        public=True,
        kwargs=lambda school: {"token": "not-a-real-token"},
        ok_status=(404,),
        notes="a link from an email; an unknown token is a 404",
    ),
]


def _term_block(school):
    import datetime as dt

    from sendfund.schools.models import TermBlock

    block = TermBlock.objects.create(
        school=school,
        academic_year=2025,
        start_date=dt.date(2025, 9, 3),
        end_date=dt.date(2025, 10, 24),
    )
    return {"public_id": block.public_id}


CASES += [
    UrlCase("schools:term_dates", "school.manage"),
    UrlCase(
        "schools:term_block_delete",
        "school.manage",
        kwargs=_term_block,
        method="post",
        ok_status=(302,),
    ),
]
