from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "sendfund.schools"
    label = "schools"
    verbose_name = "Schools and access"

    def ready(self) -> None:
        # Signal receivers: a password reset unlocks the account (lockout.py); accounts get
        # the email address rows allauth expects (accounts.py).
        from sendfund.schools import accounts, lockout, mfa  # noqa: F401
