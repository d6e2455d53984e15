"""Stateless web nodes: two gunicorn nodes and workers around one PostgreSQL.

A person signs in on node A, uploads on node B, a worker process does the work, and node A
shows the result: sessions, uploads, progress and task state all live in the database. Then a
worker is killed halfway through writing an import; a new worker finishes it, and nothing was
ever partly written.
"""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connections

from pupils.models import Need, Pupil
from sendfund.jobs.models import Job, JobStatus
from sendfund.schools.roles import Role
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.jobs.helpers import pupils_csv
from tests.jobs.processes import free_port, processes, wait_until
from tests.jobs.webclient import Browser, job_path

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


@pytest.fixture
def senco_school(settings):
    school = SchoolFactory(name="Brook Primary", urn="100001")
    user = UserFactory(username="alice")
    # The nodes check passwords with the real hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, PBKDF2]
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    MembershipFactory(user=user, school=school, role=Role.SENCO)
    return school


def _job_state(job_id):
    return Job.objects.filter(public_id=job_id).values_list("status", flat=True).first()


def _waiting_on_lock(table: str) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND (query LIKE %s OR query LIKE %s)",
            # An INSERT, or the COPY the imports write new rows with (sendfund/lib/imports/copy.py).
            [f'INSERT INTO "{table}"%', f'COPY "{table}"%'],
        )
        return cursor.fetchone()[0] > 0


def test_two_nodes_and_a_worker_share_everything_through_postgresql(senco_school, tmp_path):
    env = {"SENDFUND_BACKGROUND_IMPORT_ROWS": "50"}
    a, b = free_port(), free_port()
    alice = Browser()
    with processes(tmp_path) as procs:
        procs.web("node-a", a, **env)
        procs.web("node-b", b, **env)
        alice.sign_in(a, "alice", PASSWORD)

        status, headers, _ = alice.get(b, "/pupils/import/pupils/")  # node B knows her
        assert status == 200
        status, headers, body = alice.post(
            b,
            "/pupils/import/pupils/",
            {},
            files={"file": ("register.csv", pupils_csv(400))},
        )
        assert status == 302, body[-2000:]
        page = job_path(headers["Location"])
        job_id = page.split("/")[-2]
        status, _, waiting = alice.get(a, page, **{"HX-Request": "true"})
        assert status == 200 and "Waiting for a worker" in waiting  # node A sees B's upload

        procs.worker("worker-1", **env)
        wait_until(lambda: _job_state(job_id) == JobStatus.AWAITING_CONFIRM, what="preview")
        _, _, preview = alice.get(a, page)
        assert "Confirm and import (400 created, 0 updated, 0 unchanged)" in preview
        status, headers, _ = alice.post(b, "/pupils/import/confirm/", {"token": job_id})
        assert status == 302
        wait_until(lambda: _job_state(job_id) == JobStatus.DONE, what="import")
        _, _, result = alice.get(a, page)
        assert "Imported:</strong> 400 created, 0 updated, 0 unchanged" in result
        assert Pupil.objects.for_school(senco_school).count() == 400

        # /healthz on each node, with the queue's state.
        for port in (a, b):
            status, _, body = alice.get(port, "/healthz")
            assert status == 200 and '"waiting": 0' in body


def test_a_worker_killed_while_writing_an_import_leaves_nothing_and_another_finishes_it(
    senco_school, tmp_path
):
    env = {"SENDFUND_BACKGROUND_IMPORT_ROWS": "50"}
    a = free_port()
    alice = Browser()
    blocker = connections.create_connection("default")
    with processes(tmp_path) as procs:
        procs.web("node-a", a, **env)
        alice.sign_in(a, "alice", PASSWORD)
        _, headers, _ = alice.post(
            a, "/pupils/import/pupils/", {}, files={"file": ("register.csv", pupils_csv(300))}
        )
        page = job_path(headers["Location"])
        job_id = page.split("/")[-2]
        worker = procs.worker("worker-1", **env)
        wait_until(lambda: _job_state(job_id) == JobStatus.AWAITING_CONFIRM, what="preview")

        # Hold the worker halfway: it may insert the pupils, but not their needs.
        blocker.set_autocommit(False)
        with blocker.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{Need._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')
        try:
            alice.post(a, "/pupils/import/confirm/", {"token": job_id})
            wait_until(lambda: _waiting_on_lock(Need._meta.db_table), what="the needs insert")
            procs.kill(worker)  # SIGKILL, mid-transaction
        finally:
            blocker.rollback()
            blocker.close()

        assert not Pupil.objects.exists()  # the pupils it had inserted died with it
        assert _job_state(job_id) == JobStatus.RUNNING
        _, _, stuck = alice.get(a, page)
        assert "Waiting for a worker" in stuck or "Restarting" in stuck

        procs.worker("worker-2", **env)
        wait_until(lambda: _job_state(job_id) == JobStatus.DONE, what="the import, again")
        _, _, result = alice.get(a, page)
        assert "Imported:</strong> 300 created, 0 updated, 0 unchanged" in result

    assert Pupil.objects.for_school(senco_school).count() == 300
    assert Need.objects.for_school(senco_school).count() == 300
    job = Job.objects.get(public_id=job_id)
    assert job.attempts == 2 and bytes(job.data) == b""
