from django.contrib.admin.apps import AdminConfig


class SupportAdminConfig(AdminConfig):
    """Django's admin, as sendfund's support site: superusers who signed in with a second
    factor only (admin_site.py)."""

    default_site = "sendfund.schools.admin_site.SuperuserAdminSite"
