from django.contrib import admin
from django.urls import include, path

from sendfund import views
from sendfund.schools import accounts

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("accounts/login/", accounts.login, name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("schools/", include("sendfund.schools.urls")),
    path("jobs/", include("sendfund.jobs.urls")),
    path("pupils/import/", include("pupils.imports.urls")),
    path("pupils/", include("pupils.urls")),
    path("funding/", include("funding.urls")),
    path("advocacy/", include("advocacy.urls")),
    path("audit/", include("sendfund.audit.urls")),
    path("", include("reports.urls")),
]

handler500 = "sendfund.views.server_error"
