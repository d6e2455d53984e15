from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupils"
    verbose_name = "SEN register and provision map"

    def ready(self) -> None:
        # Registers this app's imports with the shared framework (sendfund/lib/imports).
        import pupils.imports.kinds  # noqa: F401
