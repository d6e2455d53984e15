import pytest
from django.urls import reverse

from sendfund.schools.middleware import SESSION_KEY
from sendfund.schools.roles import CAPABILITIES, Role, role_can
from tests.factories import MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_school_and_the_role(senco_client, school):
    response = senco_client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert school.name in html
    assert "SENCO home" in html


@pytest.mark.parametrize(
    "client_fixture, heading",
    [
        ("senco_client", "SENCO home"),
        ("head_client", "Head teacher home"),
        ("governor_client", "Governor home"),
        ("school_admin_client", "School administrator home"),
        ("trust_lead_client", "Trust lead home"),
    ],
)
def test_each_role_has_its_own_home_page(request, client_fixture, heading):
    response = request.getfixturevalue(client_fixture).get(reverse("home"))
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_navigation_shows_only_what_the_role_may_use(governor_client, senco_client):
    governor_html = governor_client.get(reverse("home")).content.decode()
    senco_html = senco_client.get(reverse("home")).content.decode()
    register = reverse("pupils:register")
    assert f'href="{register}"' not in governor_html
    assert f'href="{register}"' in senco_html


def test_a_user_with_no_school_is_told_what_to_do(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "not linked to a school" in response.content.decode()


def test_a_user_with_two_schools_switches_between_them(senco, senco_client, school):
    second = SchoolFactory(name="Second School")
    MembershipFactory(user=senco, school=second, role=Role.HEAD)
    response = senco_client.post(reverse("schools:switch"), {"school": str(second.public_id)})
    assert response.status_code == 302
    html = senco_client.get(reverse("home")).content.decode()
    assert "Head teacher home" in html
    assert senco_client.session[SESSION_KEY] == str(second.public_id)


def test_switching_to_a_school_you_do_not_belong_to_is_refused(senco_client, other_school, school):
    senco_client.post(reverse("schools:switch"), {"school": str(other_school.public_id)})
    html = senco_client.get(reverse("home")).content.decode()
    assert school.name in html
    assert other_school.name not in html


def test_a_forged_session_school_falls_back_to_the_users_own(senco_client, other_school, school):
    session = senco_client.session
    session[SESSION_KEY] = str(other_school.public_id)
    session.save()
    html = senco_client.get(reverse("home")).content.decode()
    assert school.name in html and other_school.name not in html


def test_a_trust_lead_reads_every_school_of_the_trust_and_no_other(
    trust_lead_client, trust, school, other_school
):
    sister = SchoolFactory(name="Sister School", trust=trust)
    html = trust_lead_client.get(reverse("home")).content.decode()
    assert sister.name in html and school.name in html
    assert other_school.name not in html


def test_governors_and_trust_leads_never_hold_pupil_level_capabilities():
    pupil_level = (
        "pupils.view",
        "pupils.edit",
        "pupils.import",
        "provision.edit",
        "funding.pupils",
    )
    for capability in pupil_level:
        assert not role_can(Role.GOVERNOR, capability)
        assert not role_can(Role.TRUST_LEAD, capability)


def test_pupil_level_funding_is_for_roles_that_see_both_pupils_and_funding(school_admin_client):
    # The school administrator sees pupils but not the funding: not each pupil's top-up and
    # shortfall either.
    both = CAPABILITIES["pupils.view"] & CAPABILITIES["funding.view"]
    assert CAPABILITIES["funding.pupils"] == both == {Role.SENCO, Role.HEAD}
    assert school_admin_client.get(reverse("funding:pupils")).status_code == 403


def test_a_school_can_let_its_senco_edit_funding(school):
    assert not role_can(Role.SENCO, "funding.edit", school=school)
    school.senco_edits_funding = True
    assert role_can(Role.SENCO, "funding.edit", school=school)


def test_every_capability_is_labelled_for_the_readme():
    from sendfund.schools.roles import CAPABILITY_LABELS

    assert set(CAPABILITY_LABELS) == set(CAPABILITIES)


def test_the_readme_role_matrix_matches_the_code():
    from pathlib import Path

    from sendfund.schools.management.commands.capability_matrix import matrix_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert matrix_markdown() in readme, "Run: python manage.py capability_matrix > paste in README"
