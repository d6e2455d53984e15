from tests.url_matrix import UrlCase

CASES = [
    UrlCase("reports:list", "reports.view"),
    UrlCase("reports:trust", "trust.view"),
]
