"""Advocacy test helpers."""

import pytest

from tests.factories import PupilFactory


@pytest.fixture
def named_pupil(school):
    """A pupil with a name that must never reach a governor's page."""
    return PupilFactory(school=school, forename="Zebedee", surname="Quixotefield")
