from django.urls import path

from pupils import plan_views, views

app_name = "pupils"
urlpatterns = [
    path("", views.register, name="register"),
    path("add/", views.pupil_add, name="add"),
    path("due/", views.due, name="due"),
    path("provision-map/", views.provision_map, name="provision_map"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/add/", views.provision_edit, name="provision_add"),
    path("catalogue/<uuid:public_id>/edit/", views.provision_edit, name="provision_edit"),
    path("catalogue/<uuid:public_id>/delete/", views.provision_delete, name="provision_delete"),
    path("staff/", views.staff, name="staff"),
    path("staff/basis/", views.costing_basis, name="costing_basis"),
    path("staff/add/", views.staff_role_edit, name="staff_role_add"),
    path("staff/<uuid:public_id>/edit/", views.staff_role_edit, name="staff_role_edit"),
    path("staff/<uuid:public_id>/rates/add/", views.staff_rate_edit, name="staff_rate_add"),
    path(
        "staff/<uuid:public_id>/rates/<int:year>/edit/",
        views.staff_rate_edit,
        name="staff_rate_edit",
    ),
    path("provision/<uuid:public_id>/edit/", views.assignment_edit, name="assignment_edit"),
    path("provision/<uuid:public_id>/end/", views.assignment_end, name="assignment_end"),
    path("provision/<uuid:public_id>/measures/edit/", plan_views.measure_edit, name="measure_edit"),
    path("assessments/<uuid:public_id>/edit/", views.assessment_edit, name="assessment_edit"),
    path("reviews/<uuid:public_id>/edit/", views.review_edit, name="review_edit"),
    path(
        "assessments/<uuid:public_id>/delete/",
        views.clock_delete,
        {"kind": "assessment"},
        name="assessment_delete",
    ),
    path(
        "reviews/<uuid:public_id>/delete/",
        views.clock_delete,
        {"kind": "review"},
        name="review_delete",
    ),
    path("plans/<uuid:public_id>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("plans/<uuid:public_id>/review/", plan_views.plan_review, name="plan_review"),
    path(
        "professionals/<uuid:public_id>/edit/",
        plan_views.professional_edit,
        name="professional_edit",
    ),
    path(
        "professionals/<uuid:public_id>/delete/",
        plan_views.professional_delete,
        name="professional_delete",
    ),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/edit/", views.pupil_edit, name="edit"),
    path("<uuid:public_id>/status/", views.status_change, name="status"),
    path("<uuid:public_id>/needs/add/", views.need_add, name="need_add"),
    path("<uuid:public_id>/needs/<int:rank>/end/", views.need_end, name="need_end"),
    path("<uuid:public_id>/provision/add/", views.assignment_add, name="assignment_add"),
    path("<uuid:public_id>/assessments/add/", views.assessment_add, name="assessment_add"),
    path("<uuid:public_id>/reviews/add/", views.review_add, name="review_add"),
    path("<uuid:public_id>/plans/add/", plan_views.plan_add, name="plan_add"),
    path(
        "<uuid:public_id>/professionals/add/",
        plan_views.professional_add,
        name="professional_add",
    ),
]
