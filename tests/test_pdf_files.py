"""WeasyPrint reads only sendfund's own static files (sendfund/pdf.py).

A document naming a file on the server, an address on the network or a data: URL gets none of
them (and no request reaches the listener here); a /static/ file is served from the finders.
"""

import http.server
import threading
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from sendfund.pdf import BASE_URL, RefusedURL, html_to_pdf, static_file, url_fetcher

STATIC_CSS = Path(settings.BASE_DIR) / "static" / "css" / "sendfund.css"


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that records every request; yields (port, hits)."""
    hits = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def test_a_static_url_is_served_from_the_static_files():
    response = url_fetcher().fetch(BASE_URL + "static/css/sendfund.css")

    assert response.read() == STATIC_CSS.read_bytes()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"file://{STATIC_CSS}",
        "http://127.0.0.1:1/static/css/sendfund.css",
        "https://example.org/static/css/sendfund.css",
        "data:text/css,body%7Bcolor:red%7D",
        BASE_URL + "sendfund/settings.py",  # on the base, but not under /static/
        BASE_URL + "static/%2e%2e/sendfund/settings.py",  # climbing out, encoded
        BASE_URL + "static/..%2Fsendfund%2Fsettings.py",
        BASE_URL + "static/css/nothing-here.css",
    ],
)
def test_anything_else_is_refused(url):
    with pytest.raises(RefusedURL):
        static_file(url)
    with pytest.raises(RefusedURL):
        url_fetcher().fetch(url)


def test_a_pdf_naming_files_and_addresses_fetches_none_of_them_and_is_still_made(listener):
    port, hits = listener
    html = f"""<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      <style>@import url("http://127.0.0.1:{port}/imported.css");</style>
      <link rel="stylesheet" href="/static/css/sendfund.css">
    </head><body>
      <p>Brook Primary</p>
      <img src="http://127.0.0.1:{port}/pixel.png">
      <img src="file:///etc/hostname">
      <img src="data:image/png;base64,iVBORw0KGgo=">
    </body></html>"""

    pdf = html_to_pdf(html)

    assert hits == []
    assert pdf.startswith(b"%PDF")
    assert "Brook Primary" in PdfReader(BytesIO(pdf)).pages[0].extract_text()


def test_without_the_fetcher_the_same_document_would_have_reached_the_network(listener):
    # The control: WeasyPrint's default fetcher does fetch it, so the test above can fail.
    import weasyprint

    port, hits = listener
    html = f'<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css"><p>x</p>'
    weasyprint.HTML(string=html).write_pdf()
    assert hits == ["/evil.css"]
