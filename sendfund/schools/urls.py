from django.urls import path

from sendfund.schools import views

app_name = "schools"
urlpatterns = [
    path("switch/", views.switch_school, name="switch"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/term-dates/", views.term_dates_view, name="term_dates"),
    path(
        "settings/term-dates/<uuid:public_id>/delete/",
        views.term_block_delete,
        name="term_block_delete",
    ),
    path("people/", views.people, name="people"),
    path("people/<uuid:public_id>/", views.membership_edit, name="membership"),
    path("invitations/<uuid:public_id>/", views.invitation_edit, name="invitation"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("keep-alive/", views.keep_alive, name="keep_alive"),
]
