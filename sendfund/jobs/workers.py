"""Which workers are alive, and what happens to a task whose worker died.

django-tasks' database worker marks a task RUNNING when it claims it and never looks at it again
if the process is killed. Each worker started by `run_worker` holds a PostgreSQL advisory lock
named after its worker id on a connection of its own for as long as it lives; the server drops
the lock when the process dies. A RUNNING task whose worker's lock is free was therefore lost:
it is queued again (its import wrote nothing: the transaction died with the connection), or
failed with a reason once it has had SENDFUND_TASK_ATTEMPTS tries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, connections
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sendfund.jobs.models import Job, JobStatus

LOCK_NAMESPACE = 720_413  # first key of the two-key advisory locks sendfund's workers hold

LOST_MESSAGE = (
    "The worker running this stopped before it finished (it was restarted or the machine went "
    "down). Nothing was written. Try again."
)


class WorkerLost(Exception):
    """Stands in a failed task's record for a worker that died while running it."""


def hold_worker_lock(worker_id: str):
    """Take this worker's liveness lock on a connection of its own; returns that connection."""
    own = connections.create_connection("default")
    with own.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, worker_id])
    return own


def worker_alive(worker_id: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, worker_id])
        (free,) = cursor.fetchone()
        if free:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, hashtext(%s))", [LOCK_NAMESPACE, worker_id]
            )
    return not free


def reap_lost_tasks(task_ids=None) -> tuple[int, int]:
    """Queue again (or fail) RUNNING tasks whose worker has died; returns (requeued, failed)."""
    running = DBTaskResult.objects.running()
    if task_ids is not None:
        running = running.filter(id__in=task_ids)
    requeued = failed = 0
    for task in running.only("id", "worker_ids"):
        if task.worker_ids and worker_alive(task.worker_ids[-1]):
            continue
        still_running = DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING)
        if len(task.worker_ids) < settings.SENDFUND_TASK_ATTEMPTS:
            if still_running.update(status=TaskResultStatus.READY):
                requeued += 1
                Job.objects.filter(task_id=task.pk, status__in=[JobStatus.RUNNING]).update(
                    status=JobStatus.QUEUED, step="Restarting after a worker stopped"
                )
            continue
        if still_running.update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{__name__}.WorkerLost",
            traceback=LOST_MESSAGE,
        ):
            failed += 1
            Job.objects.filter(
                task_id=task.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
            ).update(status=JobStatus.FAILED, error=LOST_MESSAGE, finished=timezone.now())
    return requeued, failed


def queue_state() -> dict:
    """Tasks ready to run and not yet claimed, and the age in seconds of the oldest (one query)."""
    waiting = DBTaskResult.objects.ready().aggregate(count=Count("id"), oldest=Min("enqueued_at"))
    age = None
    if waiting["oldest"] is not None:
        age = round(max(0.0, (timezone.now() - waiting["oldest"]).total_seconds()), 1)
    return {"waiting": waiting["count"], "oldest_waiting_seconds": age}
