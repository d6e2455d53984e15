from tests.url_matrix import UrlCase  # noqa: F401

CASES: list = []
