from tests.factories import PupilFactory
from tests.url_matrix import UrlCase


def _pupil(school):
    return {"public_id": PupilFactory(school=school).public_id}


CASES = [
    UrlCase("audit:log", "audit.view", notes="head only"),
    UrlCase("audit:export", "audit.view"),
    UrlCase("audit:pupil", "audit.view", kwargs=_pupil),
]
