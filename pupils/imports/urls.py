from django.urls import path

from pupils.imports import views

app_name = "pupil_imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("pupils/", views.upload_pupils, name="pupils"),
    path("provision/", views.upload_provision, name="provision"),
    path("ctf/", views.upload_ctf, name="ctf"),
    path("staff-rates/", views.upload_staff_rates, name="staff_rates"),
    path("outcomes/", views.upload_outcomes, name="outcomes"),
    path("funding/", views.upload_funding, name="funding"),
    path("confirm/", views.confirm, name="confirm"),
    path("jobs/<uuid:public_id>/", views.job, name="job"),
    path("jobs/<uuid:public_id>/retry/", views.job_retry_view, name="job_retry"),
    path("templates/pupils.csv", views.template_pupils, name="template_pupils"),
    path("templates/provision-map.csv", views.template_provision, name="template_provision"),
    path("templates/staff-rates.csv", views.template_staff_rates, name="template_staff_rates"),
    path("templates/outcomes.csv", views.template_outcomes, name="template_outcomes"),
    path("templates/funding.csv", views.template_funding, name="template_funding"),
    path("templates/ctf-sample.xml", views.template_ctf, name="template_ctf"),
    path("export/register.csv", views.export_register, name="export_register"),
]
