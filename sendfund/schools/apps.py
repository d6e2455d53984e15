from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "sendfund.schools"
    label = "schools"
    verbose_name = "Schools and access"
