from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def install_triggers(using: str, **kwargs) -> None:
    """Install (and refresh) every pgtrigger trigger after each migrate, on PostgreSQL only.

    The triggers are kept out of migrations (PGTRIGGER_MIGRATIONS = False) so that tracking a
    model adds no migration to the app that owns it; pgtrigger compares each trigger's hash
    and rewrites only those that changed, and prunes the ones no longer declared.
    """
    if connections[using].vendor != "postgresql":
        return
    import pgtrigger

    pgtrigger.install(database=using)


class AuditConfig(AppConfig):
    name = "sendfund.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        post_migrate.connect(install_triggers, sender=self)
