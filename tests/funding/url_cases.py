from tests.url_matrix import UrlCase

CASES = [
    UrlCase("funding:dashboard", "funding.view"),
]
