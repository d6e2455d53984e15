from tests.url_matrix import UrlCase

CASES = [
    UrlCase("advocacy:overview", "advocacy.view"),
]
