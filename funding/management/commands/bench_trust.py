"""bench_trust: time the pages a trust uses on a generated trust (scripts/bench --schools N).

Builds once and keeps (sendfund/bench/trust.py) N schools of 500 pupils with 10 provision rows
per pupil, plus a 20,000-pupil school where 17,000 pupils have no SEN; holds each school's
term-cost summary and its gap for this term (every head's dashboard opened). Then, in one run:

- for each page (home, register, pupil page, dashboard, funding pupils, termly report draft,
  trust view), the median and p95 server time with Django's test Client, the same request's SQL
  re-run back to back ("bare SQL"), the query count, and the ratio of the page's median to the
  median of a page that touches no database (/robots.txt), measured in the same run; the
  register, dashboard, funding pupils and trust view also with the kept renderings cleared
  before each request (rows marked "(rendered)"), as after a write; the trust view also after
  a real write to one of its schools before each request;
- with --wrk SECONDS (and Debian's wrk installed): gunicorn with two workers and wrk with 16
  connections on the head's dashboard and on /robots.txt: requests a second and errors;
- with --imports: a 10,000-row pupil file and a 10,000-row provision file through the imports
  (validated and written, and the deferred foreign-key checks a commit runs, then rolled
  back): rows a second.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from funding.gap import compute_gap
from pupils import summaries
from pupils.imports.provision import import_provision
from pupils.imports.pupils import import_pupils
from pupils.models import ProvisionAssignment, ProvisionYearCost, Pupil
from reports.trust import forget_kept
from sendfund.bench.trust import draft_report, get_or_build
from sendfund.lib.periods import academic_year_start, term, term_for_date
from sendfund.schools.models import School

# Pages timed with the rendered-figures cache cleared before every run: the first view after
# a write (summaries held, figures rendered from them), as against the kept rendering. For the
# trust view, what each process keeps of its rows' work is cleared too (reports.trust), as
# after writes to every school; the row marked "(after a write)" follows a real write to one
# school before each run (not timed): its summaries settled, the other 200 unchanged.
COLD = "(rendered) "
WRITE = "(after a write to one school) "


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


# pghistory sets the audit trail's context in front of a request's statements (except plain
# SELECTs): "SELECT set_config('pghistory.context_id', ...), ...; <the statement>".
_PGHISTORY_CONTEXT = "SELECT set_config('pghistory."


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the trust's pages on a generated trust of N schools (kept between runs)."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=200)
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--wrk", type=int, default=0, metavar="SECONDS")
        parser.add_argument("--imports", action="store_true")

    def handle(self, *args, schools, runs, wrk, imports, **options):
        started = time.perf_counter()
        self.stdout.write(f"Building or reusing a trust of {schools} schools + 1 large school ...")
        bench = get_or_build(schools, log=self.stdout.write)
        with connection.cursor() as cursor:
            # VACUUM too: each run's imports are rolled back, and the dead rows they leave at
            # the end of the pupil and provision indexes (until autovacuum gets to them) made
            # the next run's planning of the register's query 10 ms instead of 3.
            cursor.execute("VACUUM ANALYZE")
        ids = [s.pk for s in bench.schools] + [bench.big.pk]
        pupils = Pupil.objects.filter(school_id__in=ids).count()
        rows = ProvisionAssignment.objects.filter(school_id__in=ids).count()
        self.stdout.write(
            f"Ready in {time.perf_counter() - started:.0f} s: {len(ids)} schools, {pupils:,} "
            f"pupils, {rows:,} provision rows. Machine: {os.cpu_count()} CPUs; "
            f"PostgreSQL {connection.pg_version // 10000}; DEBUG={settings.DEBUG}."
        )
        self._summaries(ids)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, with the summaries' rows
        self._pages(bench, runs)
        if wrk:
            self._wrk(bench, wrk)
        if imports:
            self._imports()

    # --- page timings ---------------------------------------------------------------------

    def _summaries(self, ids: list[int]) -> None:
        """Hold the term-cost summary for the years the pages read (last, this and next
        academic year), timed; a no-op on a kept trust whose summary is current."""
        year = academic_year_start(dt.date.today())
        terms = [(y, n) for y in (year - 1, year, year + 1) for n in (1, 2, 3)]
        t0 = time.perf_counter()
        summaries.ready(ids, terms)
        held = ProvisionYearCost.objects.filter(school_id__in=ids).count()
        self.stdout.write(
            f"Term-cost summary ready in {time.perf_counter() - t0:.1f} s: {held:,} rows "
            "(each provision row's daily cost and term days in each of three academic years)."
        )
        # Every school's dashboard opened this term, as in a trust whose heads use it: each
        # school's gap for the term stored (built on first read, kept until a write). The
        # trust view then reads 201 gap summaries, not the small headlines it stores itself.
        t0 = time.perf_counter()
        period = term(*term_for_date(dt.date.today()))
        for school in School.objects.filter(pk__in=ids):
            compute_gap(school=school, period=period)
        self.stdout.write(
            f"Each school's gap for {period.label} held in {time.perf_counter() - t0:.1f} s."
        )

    def _client(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def _pages(self, bench, runs: int) -> None:
        head, big_head, lead = (self._client(u) for u in (bench.head, bench.big_head, bench.lead))
        school = bench.schools[0]
        pupil = (
            Pupil.objects.for_school(school).filter(provision__isnull=False).order_by("pk").first()
        )
        report = draft_report(school, bench.head)
        big_report = draft_report(bench.big, bench.big_head)
        pages = [
            ("no database: /robots.txt", Client(), "/robots.txt"),
            ("home (head)", head, "/"),
            ("register", head, "/pupils/"),
            (COLD + "register", head, "/pupils/"),
            ("pupil page", head, f"/pupils/{pupil.public_id}/"),
            ("dashboard", head, "/funding/"),
            (COLD + "dashboard", head, "/funding/"),
            ("funding pupils", head, "/funding/pupils/"),
            (COLD + "funding pupils", head, "/funding/pupils/"),
            ("termly report draft", head, f"/reports/{report.public_id}/"),
            ("dashboard, 20,000-pupil school", big_head, "/funding/"),
            ("funding pupils, 20,000-pupil school", big_head, "/funding/pupils/"),
            ("report draft, 20,000-pupil school", big_head, f"/reports/{big_report.public_id}/"),
            (f"trust view ({len(bench.schools) + 1} schools)", lead, "/trust/"),
            (COLD + "trust view", lead, "/trust/"),
            (WRITE + "trust view", lead, "/trust/"),
        ]
        self.stdout.write(
            f"\nServer time with Django's test Client, {runs} runs each (ms); bare SQL = the "
            "request's queries re-run back to back; ratio = page median ÷ no-database median."
        )
        self.stdout.write(
            f"{'page':40} {'median':>7} {'p95':>7} {'SQL med':>8} {'queries':>7} {'ratio':>6}"
        )
        base = None
        for label, client, url in pages:
            for _ in range(2):
                response = client.get(url)  # warm: session, caches, the school's calendar
                assert response.status_code == 200, (url, response.status_code)
            server, sql, counts = [], [], []
            for run in range(runs):
                if label.startswith(COLD):
                    cache.clear()
                    forget_kept()
                elif label.startswith(WRITE):
                    self._write(bench, run)
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(url)
                    server.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
                counts.append(len(ctx.captured_queries))
                sql.append(self._sql_alone([q["sql"] for q in ctx.captured_queries]))
            median = statistics.median(server)
            base = base or median
            self.stdout.write(
                f"{label:40} {median:7.1f} {_pct(server, 95):7.1f} {statistics.median(sql):8.1f}"
                f" {min(counts):>3}-{max(counts):<3} {median / base:6.1f}"
            )
        if hasattr(self, "_written_hours"):
            self._write(bench, 0)  # the row's hours as they were: the kept trust unchanged

    def _write(self, bench, run: int) -> None:
        """One write to one school, as a request that saves would make it: a provision row's
        hours one up on odd runs and back on even ones, then its summaries settled (what
        pupils.summaries.SummaryMiddleware does before the commit)."""
        school = bench.schools[1]
        row = (
            ProvisionAssignment.objects.filter(school=school, end_date__isnull=True)
            .order_by("pk")
            .first()
        )
        if not hasattr(self, "_written_hours"):
            self._written_hours = row.hours_per_week
        with transaction.atomic():
            row.hours_per_week = self._written_hours + (run % 2)
            row.save(update_fields=["hours_per_week", "updated"])
            summaries.settle([school.pk])

    def _sql_alone(self, statements: list[str]) -> float:
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            for sql in statements:
                text = sql.lstrip()
                if text.startswith(_PGHISTORY_CONTEXT) and "; " in text:
                    text = text.split("; ", 1)[1]  # the audit context set in front of it
                # Reads: SELECTs, and the statements prepared per connection (all SELECTs,
                # sendfund.lib.sql.Prepared), run again by name. Their PREPARE is not run
                # again: the request prepared them on this same connection.
                if text.upper().startswith(("SELECT", "WITH", "EXECUTE SENDFUND_")):
                    cursor.execute(text)
                    cursor.fetchall()
            return (time.perf_counter() - t0) * 1000

    # --- throughput -----------------------------------------------------------------------

    def _wrk(self, bench, seconds: int) -> None:
        if not shutil.which("wrk"):
            self.stdout.write("\nwrk is not installed (Debian: apt-get install wrk): no load test.")
            return
        client = self._client(bench.head)
        # Both cookies a browser sends from its second page on: the session and the CSRF
        # cookie its first page set. Without the second, every request made a new CSRF secret
        # and sent it back in Set-Cookie, as no browser would ask it to.
        client.get("/funding/")
        cookie = "; ".join(
            f"{name}={client.cookies[name].value}"
            for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
        )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sendfund.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
            ],
            env={**os.environ, "DEBUG": "0"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._wait_for(port)
            self.stdout.write(
                f"\ngunicorn, 2 workers; wrk, 2 threads, 16 connections, {seconds} s:"
            )
            for label, url, headers in (
                # The no-database page first: slow requests still queued after a run would
                # hold the workers into the next one.
                ("no database: /robots.txt", "/robots.txt", []),
                ("dashboard (head)", "/funding/", ["-H", f"Cookie: {cookie}"]),
            ):
                done = subprocess.run(  # noqa: S603
                    [
                        shutil.which("wrk"),
                        "-t2",
                        "-c16",
                        f"-d{seconds}s",
                        *headers,
                        f"http://127.0.0.1:{port}{url}",
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
                errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
                socket_errors = re.search(r"Socket errors: (.*)", done.stdout)
                self.stdout.write(
                    f"  {label:28} {float(rate.group(1)) if rate else 0:8.0f} requests/s, "
                    f"non-2xx {errors.group(1) if errors else 0}"
                    + (f", socket errors: {socket_errors.group(1)}" if socket_errors else "")
                )
        finally:
            server.terminate()
            server.wait(timeout=30)

    def _wait_for(self, port: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    # --- imports --------------------------------------------------------------------------

    def _imports(self) -> None:
        school = School.objects.get(urn="900001")
        lines = ["upn,surname,forename,date_of_birth,year_group,sen_provision,primary_need"]
        for i in range(10_000):
            status = "K" if i % 3 == 0 else "N"
            need = "SLCN" if status == "K" else ""
            born = dt.date(2015, 1, 1) + dt.timedelta(days=i % 2000)
            lines.append(f"I{i:012d},Import{i},Pupil,{born:%d/%m/%Y},{i % 6 + 1},{status},{need}")
        pupil_csv = ("\n".join(lines) + "\n").encode()
        lines = ["upn,provision,area,staff_role,hourly_rate,hours_per_week,group_size,start_date"]
        for i in range(10_000):
            lines.append(
                f"I{(i * 3) % 10_000:012d},Import intervention {i % 20},CL,Teaching assistant,"
                f"18.50,{1 + i % 5},1,{dt.date(2026, 9, 7) + dt.timedelta(days=i % 300):%Y-%m-%d}"
            )
        provision_csv = ("\n".join(lines) + "\n").encode()
        self.stdout.write(
            "\nImports of 10,000 rows (validated, written and checked as at commit, then "
            "rolled back):"
        )
        try:
            with transaction.atomic():
                for label, run, data in (
                    ("pupils", import_pupils, pupil_csv),
                    ("provision", import_provision, provision_csv),
                ):
                    t0 = time.perf_counter()
                    report = run(school=school, data=data)
                    with connection.cursor() as cursor:
                        # The checks a commit would run (foreign keys are deferred): run
                        # here, as the import is rolled back rather than committed.
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    took = time.perf_counter() - t0
                    problems = report.file_error or len(report.errors)
                    self.stdout.write(
                        f"  {label:10} {took:6.2f} s, {10_000 / took:8.0f} rows/s"
                        + (f" (problems: {problems})" if problems else "")
                    )
                raise Rollback
        except Rollback:
            pass
