"""/healthz reports the task queue: tasks waiting and the age of the oldest, in one query."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pupils.imports.tasks import preview_import

pytestmark = pytest.mark.django_db


def test_healthz_says_the_queue_is_empty(client):
    body = client.get(reverse("healthz")).json()

    assert body["tasks"] == {"waiting": 0, "oldest_waiting_seconds": None}


def test_healthz_reports_the_age_of_the_oldest_waiting_task(client, django_assert_num_queries):
    old = preview_import.enqueue("00000000-0000-0000-0000-000000000001")
    preview_import.enqueue("00000000-0000-0000-0000-000000000002")
    running = preview_import.enqueue("00000000-0000-0000-0000-000000000003")
    now = timezone.now()
    DBTaskResult.objects.filter(pk=old.id).update(enqueued_at=now - dt.timedelta(seconds=90))
    # A task a worker is running is not waiting, however old.
    DBTaskResult.objects.filter(pk=running.id).update(
        status=TaskResultStatus.RUNNING, enqueued_at=now - dt.timedelta(hours=2)
    )

    # On Django's connection: the statement timeout, one aggregate over the queue, the reset
    # (SELECT 1 ran first on the check's own connection, which is not counted here).
    with django_assert_num_queries(3):
        body = client.get(reverse("healthz")).json()

    assert body["status"] == "ok"
    assert body["tasks"]["waiting"] == 2
    assert 90 <= body["tasks"]["oldest_waiting_seconds"] < 150
