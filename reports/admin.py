from django.contrib import admin

from reports.models import NationalFigure


@admin.register(NationalFigure)
class NationalFigureAdmin(admin.ModelAdmin):
    """England's figures are reference data: add a row when the DfE publishes a new year."""

    list_display = ["measure", "year", "percentage", "source"]
    list_filter = ["measure"]
