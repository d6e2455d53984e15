from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for the trial run. Sits above every app, so it may import them all."""

    name = "sendfund.demo"
    label = "demo"
    verbose_name = "Demo data"
