"""The upload pages: preview writes nothing, confirm re-validates and writes, bad files refused."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pupils.models import Need, Pupil, SenStatus
from sendfund.jobs.models import Job, JobStatus
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def upload(client, kind, name, data, **extra):
    return client.post(
        reverse(f"pupil_imports:{kind}"),
        {"file": SimpleUploadedFile(name, data), **extra},
    )


def clean_pupils():
    return (FIXTURES / "pupils_clean.csv").read_bytes()


def test_the_index_lists_the_three_imports_with_templates_and_the_export(senco_client):
    response = senco_client.get(reverse("pupil_imports:upload"))

    html = response.content.decode()
    for name in ("pupils", "provision", "ctf"):
        assert reverse(f"pupil_imports:{name}") in html
        assert reverse(f"pupil_imports:template_{name}") in html
    assert reverse("pupil_imports:export_register") in html


def test_the_preview_counts_changes_and_writes_nothing(senco_client, school):
    response = upload(senco_client, "pupils", "register.csv", clean_pupils())

    assert response.status_code == 200
    assert response.context["report"].summary() == "4 created, 0 updated, 0 unchanged"
    assert b"Confirm and import (4 created, 0 updated, 0 unchanged)" in response.content
    assert not Pupil.objects.exists()


def test_confirming_the_preview_writes_it_and_a_second_confirm_says_it_is_done(
    senco_client, school
):
    preview = upload(senco_client, "pupils", "register.csv", clean_pupils(), on="2026-09-07")
    token = preview.context["token"]

    response = senco_client.post(reverse("pupil_imports:confirm"), {"token": token}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("pupil_imports:upload")
    assert "imported: 4 created, 0 updated, 0 unchanged" in response.content.decode()
    assert Pupil.objects.for_school(school).count() == 4
    assert set(SenStatus.objects.values_list("start_date", flat=True)) == {dt.date(2026, 9, 7)}
    again = senco_client.post(reverse("pupil_imports:confirm"), {"token": token}, follow=True)
    assert "already been confirmed" in again.content.decode()
    assert "Imported:</strong> 4 created, 0 updated, 0 unchanged" in again.content.decode()
    assert Pupil.objects.count() == 4
    # The uploaded file is deleted once imported; only the outcome is kept until expiry.
    assert bytes(Job.objects.get().data) == b""


def test_confirm_validates_again_against_the_register_as_it_is_now(senco_client, school):
    preview = upload(senco_client, "pupils", "register.csv", clean_pupils())
    # Between preview and confirm, someone registers Ada by hand (status N, no needs).
    PupilFactory(
        school=school,
        upn="A123456789012",
        surname="Lovelace",
        forename="Ada",
        date_of_birth=dt.date(2016, 12, 10),
        year_group="4",
    )

    response = senco_client.post(
        reverse("pupil_imports:confirm"), {"token": preview.context["token"]}, follow=True
    )

    assert "imported: 3 created, 1 updated, 0 unchanged" in response.content.decode()
    assert Pupil.objects.filter(upn="A123456789012").count() == 1


def test_a_token_from_another_school_is_refused(senco_client, school, other_school):
    preview = upload(senco_client, "pupils", "register.csv", clean_pupils())
    Job.objects.update(school=other_school)

    response = senco_client.post(
        reverse("pupil_imports:confirm"), {"token": preview.context["token"]}, follow=True
    )

    assert "expired or was for another school" in response.content.decode()
    assert not Pupil.objects.exists()


def test_a_later_preview_with_errors_cancels_the_earlier_pending_one(senco_client, school):
    first = upload(senco_client, "pupils", "register.csv", clean_pupils())
    upload(senco_client, "pupils", "register.csv", clean_pupils().replace(b",K,NSA", b",E,NSA"))

    response = senco_client.post(
        reverse("pupil_imports:confirm"), {"token": first.context["token"]}, follow=True
    )

    assert "expired" in response.content.decode()
    assert not Pupil.objects.exists()


def test_a_forged_token_is_refused(senco_client, school):
    upload(senco_client, "pupils", "register.csv", clean_pupils())

    response = senco_client.post(reverse("pupil_imports:confirm"), {"token": "guess"}, follow=True)

    assert "expired" in response.content.decode()
    assert not Pupil.objects.exists()


def test_a_file_with_a_bad_row_shows_the_errors_and_offers_no_confirm(senco_client, school):
    data = clean_pupils().replace(b"2015-06-23", b"2015-06-31")

    response = upload(senco_client, "pupils", "register.csv", data)

    html = response.content.decode()
    assert "Nothing will be imported" in html
    assert "date_of_birth" in html and "not a date" in html
    assert "Confirm and import" not in html
    assert not Job.objects.filter(status=JobStatus.AWAITING_CONFIRM).exists()


def test_an_oversized_file_is_refused_with_a_message(senco_client, settings):
    settings.SENDFUND_MAX_UPLOAD_BYTES = 100

    response = upload(senco_client, "pupils", "register.csv", clean_pupils())

    assert response.status_code == 200
    assert "the largest accepted is 100" in response.content.decode()
    assert not Pupil.objects.exists()


@pytest.mark.parametrize(
    ("kind", "name", "data", "words"),
    [
        ("pupils", "register.xlsx", b"PK\x03\x04rest", "Upload a .csv file"),
        ("pupils", "register.csv", b"PK\x03\x04rest", "spreadsheet workbook"),
        ("ctf", "transfer.csv", b"<CTfile/>", "Upload a .xml file"),
        ("ctf", "transfer.xml", b"upn,surname", "not XML"),
    ],
)
def test_the_wrong_type_of_file_is_refused_with_a_message(senco_client, kind, name, data, words):
    response = upload(senco_client, kind, name, data)

    assert response.status_code == 200
    assert words in response.content.decode()


def test_a_file_that_is_not_utf8_is_refused_on_the_preview(senco_client):
    response = upload(senco_client, "pupils", "register.csv", "surname\nBrontë\n".encode("cp1252"))

    assert "not UTF-8" in response.content.decode()


def test_hostile_xml_is_refused_on_the_preview(senco_client, school):
    data = (FIXTURES / "ctf_billion_laughs.xml").read_bytes()

    response = upload(senco_client, "ctf", "transfer.xml", data)

    assert "The file was refused" in response.content.decode()
    assert response.context["token"] == ""


def test_a_ctf_can_add_pupils_who_are_not_on_roll(senco_client, school):
    data = (FIXTURES / "ctf_sample.xml").read_bytes()

    preview = upload(senco_client, "ctf", "transfer.xml", data, create_pupils="on")
    senco_client.post(reverse("pupil_imports:confirm"), {"token": preview.context["token"]})

    assert Pupil.objects.for_school(school).count() == 3
    assert Need.objects.for_school(school).count() == 6


def test_the_provision_upload_previews_then_imports(senco_client, school):
    PupilFactory(school=school, upn="A123456789012")
    PupilFactory(school=school, upn="B234567890123")
    preview = upload(
        senco_client, "provision", "map.csv", (FIXTURES / "provision_map.csv").read_bytes()
    )
    assert preview.context["report"].created == 5

    senco_client.post(reverse("pupil_imports:confirm"), {"token": preview.context["token"]})

    assert school.provisions.count() == 4


def test_an_import_only_reaches_the_users_own_school(outsider_client, school, other_school):
    preview = upload(outsider_client, "pupils", "register.csv", clean_pupils())
    outsider_client.post(reverse("pupil_imports:confirm"), {"token": preview.context["token"]})

    assert Pupil.objects.for_school(other_school).count() == 4
    assert not Pupil.objects.for_school(school).exists()


def test_the_templates_download_as_files_the_imports_accept(senco_client, school):
    from pupils.imports.provision import import_provision
    from pupils.imports.pupils import import_pupils

    pupils_csv = senco_client.get(reverse("pupil_imports:template_pupils"))
    assert pupils_csv["Content-Disposition"] == 'attachment; filename="pupils-template.csv"'
    assert import_pupils(school=school, data=pupils_csv.content).created == 3
    provision_csv = senco_client.get(reverse("pupil_imports:template_provision")).content
    report = import_provision(school=school, data=provision_csv)
    assert report.ok, report.errors
    ctf = senco_client.get(reverse("pupil_imports:template_ctf"))
    assert ctf.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_governors_cannot_upload(governor_client):
    response = upload(governor_client, "pupils", "register.csv", clean_pupils())

    assert response.status_code == 403
    assert not Pupil.objects.exists()


def test_an_import_is_an_edit_the_administrator_cannot_import_provision(school_admin_client):
    # School administrators edit pupils but not provision, so they import pupils and CTF
    # files but not provision maps (issue #12 item 5).
    index = school_admin_client.get(reverse("pupil_imports:upload")).content.decode()
    assert reverse("pupil_imports:pupils") in index
    assert reverse("pupil_imports:provision") not in index
    assert school_admin_client.get(reverse("pupil_imports:provision")).status_code == 403
    assert school_admin_client.get(reverse("pupil_imports:pupils")).status_code == 200
