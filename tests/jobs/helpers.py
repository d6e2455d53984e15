"""Big import files and an in-process django-tasks worker for the background-job tests."""

from django_tasks_db.management.commands.db_worker import Worker


def pupils_csv(rows: int, *, bad_row: int | None = None) -> bytes:
    """A pupil register with `rows` pupils (row numbers count the header as 1)."""
    lines = ["upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need"]
    for n in range(rows):
        dob = "2016-02-30" if bad_row == n + 2 else "2016-09-01"
        lines.append(f"A{n:012d},Pupil{n},Test,{dob},4,K,SLCN")
    return ("\n".join(lines) + "\n").encode()


def run_worker_batch() -> None:
    """Run every waiting task through the real database backend, as `run_worker --batch` does
    (in this process, without its signal handlers)."""
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()
