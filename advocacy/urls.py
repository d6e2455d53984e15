from django.urls import path

from advocacy import pack_views, views

app_name = "advocacy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("actions/", views.action_list, name="actions"),
    path("actions/add/", views.action_add, name="action_add"),
    path("actions/<uuid:public_id>/", views.action_detail, name="action_detail"),
    path("actions/<uuid:public_id>/edit/", views.action_edit, name="action_edit"),
    path("actions/<uuid:public_id>/delete/", views.action_delete, name="action_delete"),
    path("actions/<uuid:public_id>/status/", views.action_status, name="action_status"),
    path(
        "actions/<uuid:public_id>/record-funding/",
        views.action_record_funding,
        name="action_record_funding",
    ),
    path("opportunities/", views.opportunity_list, name="opportunities"),
    path("opportunities/add/", views.opportunity_add, name="opportunity_add"),
    path("opportunities/<uuid:public_id>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path(
        "opportunities/<uuid:public_id>/delete/",
        views.opportunity_delete,
        name="opportunity_delete",
    ),
    path("training/", views.training_list, name="training"),
    path("training/add/", views.training_add, name="training_add"),
    path("training/<uuid:public_id>/edit/", views.training_edit, name="training_edit"),
    path("training/<uuid:public_id>/delete/", views.training_delete, name="training_delete"),
    path("reforms/", views.reform_list, name="reforms"),
    path("reforms/add/", views.reform_add, name="reform_add"),
    path(
        "reforms/national/<slug:key>/edit/",
        views.reform_national_edit,
        name="reform_national_edit",
    ),
    path("reforms/<uuid:public_id>/edit/", views.reform_edit, name="reform_edit"),
    path("reforms/<uuid:public_id>/delete/", views.reform_delete, name="reform_delete"),
    path(
        "pupils/<uuid:public_id>/request-packs/add/", pack_views.pack_add, name="request_pack_add"
    ),
    path("request-packs/<uuid:public_id>/", pack_views.pack_detail, name="request_pack"),
    path(
        "request-packs/<uuid:public_id>/pdf/",
        pack_views.pack_pdf_build,
        name="request_pack_pdf",
    ),
    path("evidence/", views.evidence, name="evidence"),
    path("evidence/pack.pdf", views.evidence_pdf, name="evidence_pdf"),
    path("evidence/pack.pdf/build", views.evidence_pdf_build, name="evidence_pdf_build"),
    path("evidence/pack.csv", views.evidence_csv, name="evidence_csv"),
]
