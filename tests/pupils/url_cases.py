from tests.url_matrix import UrlCase

CASES = [
    UrlCase("pupils:register", "pupils.view"),
]
