from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/add/", views.report_add, name="add"),
    path("reports/sen-information/", views.information_report, name="information"),
    path("reports/sen-information/edit/", views.information_edit, name="information_edit"),
    path("reports/<uuid:public_id>/", views.report_detail, name="detail"),
    path("reports/<uuid:public_id>/pdf/", views.report_pdf, name="pdf"),
    path("reports/<uuid:public_id>/pdf/build/", views.report_pdf_build, name="pdf_build"),
    path("reports/<uuid:public_id>/comment/", views.report_comment, name="comment"),
    path("reports/<uuid:public_id>/publish/", views.report_publish, name="publish"),
    path("trust/", views.trust, name="trust"),
]
