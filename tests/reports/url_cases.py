from tests.reports.factories import TermlyReportFactory, published_report
from tests.url_matrix import UrlCase


def _free_year(school) -> int:
    """A year with no report yet, so the matrix also runs against the demo data."""
    from reports.models import TermlyReport

    years = TermlyReport.objects.for_school(school).values_list("academic_year", flat=True)
    return min(years, default=2001) - 1


def _published(school) -> dict:
    return {"public_id": published_report(school, academic_year=_free_year(school)).public_id}


def _draft(school) -> dict:
    report = TermlyReportFactory(school=school, academic_year=_free_year(school))
    return {"public_id": report.public_id}


CASES = [
    UrlCase("reports:list", "reports.view"),
    UrlCase(
        "reports:add",
        "reports.draft",
        method="post",
        data=lambda school: {"term": "bogus"},
        ok_status=(302,),
        notes="a bad term redirects back with a message",
    ),
    UrlCase("reports:information", "reports.view"),
    UrlCase("reports:information_edit", "reports.draft"),
    UrlCase("reports:detail", "reports.view", kwargs=_published),
    UrlCase("reports:pdf", "reports.view", kwargs=_published),
    UrlCase(
        "reports:pdf_build",
        "reports.view",
        kwargs=_published,
        method="post",
        ok_status=(302,),
        notes="queues the PDF and goes to its progress page",
    ),
    UrlCase(
        "reports:comment",
        "reports.draft",
        kwargs=_draft,
        method="post",
        data=lambda school: {"comment": "Steady term."},
        ok_status=(302,),
    ),
    UrlCase(
        "reports:publish",
        "reports.publish",
        kwargs=_draft,
        method="post",
        ok_status=(302,),
    ),
    UrlCase("reports:trust", "trust.view"),
]
