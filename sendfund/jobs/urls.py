from django.urls import path

from sendfund.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/download/", views.download, name="download"),
    path("<uuid:public_id>/retry/", views.retry, name="retry"),
]
