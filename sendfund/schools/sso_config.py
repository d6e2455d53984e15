"""Single sign-on providers from the environment (read by settings.py, so no Django imports):
Microsoft Entra ID, Google Workspace and any OpenID Connect provider, all through allauth's
openid_connect provider. README "Single sign-on" lists the variables."""

from __future__ import annotations

import os


def providers_from_environment(environ=os.environ) -> dict:
    """SOCIALACCOUNT_PROVIDERS for the identity providers this installation has set up."""
    apps = []
    tenant = environ.get("SENDFUND_SSO_MICROSOFT_TENANT", "")
    if environ.get("SENDFUND_SSO_MICROSOFT_CLIENT_ID") and tenant:
        apps.append(
            {
                "provider_id": "microsoft",
                "name": "Microsoft 365",
                "client_id": environ["SENDFUND_SSO_MICROSOFT_CLIENT_ID"],
                "secret": environ.get("SENDFUND_SSO_MICROSOFT_SECRET", ""),
                "settings": {
                    "server_url": f"https://login.microsoftonline.com/{tenant}/v2.0",
                    # Entra ID sends no email_verified claim; a single-tenant app registration
                    # in the school's own tenant vouches for its users' addresses.
                    "email_verified_by_tenant": True,
                },
            }
        )
    if environ.get("SENDFUND_SSO_GOOGLE_CLIENT_ID"):
        apps.append(
            {
                "provider_id": "google",
                "name": "Google Workspace",
                "client_id": environ["SENDFUND_SSO_GOOGLE_CLIENT_ID"],
                "secret": environ.get("SENDFUND_SSO_GOOGLE_SECRET", ""),
                "settings": {"server_url": "https://accounts.google.com"},
            }
        )
    if environ.get("SENDFUND_SSO_OIDC_URL") and environ.get("SENDFUND_SSO_OIDC_CLIENT_ID"):
        apps.append(
            {
                "provider_id": "oidc",
                "name": environ.get("SENDFUND_SSO_OIDC_NAME", "your school's sign-in"),
                "client_id": environ["SENDFUND_SSO_OIDC_CLIENT_ID"],
                "secret": environ.get("SENDFUND_SSO_OIDC_SECRET", ""),
                "settings": {"server_url": environ["SENDFUND_SSO_OIDC_URL"]},
            }
        )
    if not apps:
        return {}
    return {"openid_connect": {"APPS": apps, "OAUTH_PKCE_ENABLED": True}}
