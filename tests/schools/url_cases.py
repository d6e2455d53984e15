from tests.url_matrix import UrlCase

CASES = [
    UrlCase("home", None),
    UrlCase("healthz", None, public=True),
    UrlCase("login", None, public=True, ok_status=(200, 302)),
    UrlCase("logout", None, method="post", ok_status=(302,)),
    UrlCase("password_change", None),
    UrlCase("password_change_done", None),
    UrlCase("password_reset", None, public=True),
    UrlCase("password_reset_done", None, public=True),
    UrlCase(
        "password_reset_confirm",
        None,
        public=True,
        kwargs=lambda school: {"uidb64": "MQ", "token": "not-a-token"},
    ),
    UrlCase("password_reset_complete", None, public=True),
    UrlCase(
        "schools:switch",
        None,
        method="post",
        ok_status=(302,),
        data=lambda school: {"school": str(school.public_id)},
    ),
]


def _membership(school):
    from sendfund.schools.roles import Role
    from tests.factories import MembershipFactory

    return {"public_id": MembershipFactory(school=school, role=Role.GOVERNOR).public_id}


CASES += [
    UrlCase("schools:settings", "school.manage"),
    UrlCase("schools:people", "school.manage"),
    UrlCase(
        "schools:membership",
        "school.manage",
        kwargs=_membership,
        method="post",
        data=lambda school: {"action": "change", "role": "governor"},
        ok_status=(302,),
    ),
]
