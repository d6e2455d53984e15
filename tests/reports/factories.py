import factory

from reports.models import TermlyReport
from tests.factories import SchoolFactory


class TermlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermlyReport

    school = factory.SubFactory(SchoolFactory)
    academic_year = 2025
    term = "autumn"
    status = "draft"


def published_report(school, **kwargs) -> TermlyReport:
    """A published report whose snapshot the real builder made (today's figures)."""
    from reports.services import report_publish

    report = TermlyReportFactory(school=school, **kwargs)
    return report_publish(school=school, report=report, user=None)
