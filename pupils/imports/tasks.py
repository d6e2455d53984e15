"""The import tasks under their first module path, so that a task queued by name before the
framework moved (sendfund/lib/imports/tasks.py) still finds its function."""

from sendfund.lib.imports.tasks import confirm_import, preview_import

__all__ = ["confirm_import", "preview_import"]
