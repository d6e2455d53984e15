import pytest

from tests.factories import SchoolFactory


@pytest.fixture
def academy(db):
    return SchoolFactory(name="Hill Academy", urn="100003", type="academy", phase="secondary")
