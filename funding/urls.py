from django.urls import path

from funding import views

app_name = "funding"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("pupils/", views.pupils, name="pupils"),
    path("sources/", views.sources, name="sources"),
    path("sources/add/", views.source_add, name="source_add"),
    path("sources/<uuid:public_id>/edit/", views.source_edit, name="source_edit"),
    path("sources/<uuid:public_id>/delete/", views.source_delete, name="source_delete"),
    path("top-ups/add/", views.topup_add, name="topup_add"),
    path("schemes/", views.schemes, name="schemes"),
    path("schemes/add/", views.scheme_add, name="scheme_add"),
    path("schemes/<uuid:public_id>/edit/", views.scheme_edit, name="scheme_edit"),
    path("schemes/<uuid:public_id>/bands/add/", views.band_add, name="band_add"),
    path("bands/<uuid:public_id>/edit/", views.band_edit, name="band_edit"),
]
