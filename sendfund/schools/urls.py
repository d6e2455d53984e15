from django.urls import path

from sendfund.schools import views

app_name = "schools"
urlpatterns = [
    path("switch/", views.switch_school, name="switch"),
    path("settings/", views.settings_view, name="settings"),
    path("people/", views.people, name="people"),
    path("people/<uuid:public_id>/", views.membership_edit, name="membership"),
]
