from django.urls import path

from pupils import views

app_name = "pupils"
urlpatterns = [
    path("", views.register, name="register"),
]
