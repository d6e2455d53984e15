"""This app's panel on the role home pages: context for templates/advocacy/includes/_home.html."""

from django.http import HttpRequest


def home_context(request: HttpRequest) -> dict:
    return {}
