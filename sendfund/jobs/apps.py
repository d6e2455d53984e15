from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "sendfund.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
