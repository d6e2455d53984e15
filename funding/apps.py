from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Funding and the gap"

    def ready(self) -> None:
        # Registers this app's imports with the shared framework (sendfund/lib/imports).
        import funding.imports  # noqa: F401
