from django.urls import path

from sendfund.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("log.csv", views.export, name="export"),
    path("pupils/<uuid:public_id>/", views.pupil_panel, name="pupil"),
]
