"""HTML to PDF (WeasyPrint) that reads nothing but sendfund's own static files.

WeasyPrint's default fetcher opens any URL a document names: file:// paths on the server,
http(s) on the network (an address inside the school's or host's network included) and data:.
The PDFs are built from templates that escape what people type, so no such URL should ever be
there; this fetcher makes sure that, even so, a PDF can only load /static/ files, from the
static finders (the source tree) or STATIC_ROOT (collected, hashed names), and nothing else.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils._os import safe_join

# The documents' base URL: relative and /static/ URLs resolve against it. ".invalid" never
# resolves (RFC 2606), so nothing could reach a network even without this fetcher.
BASE_URL = "https://sendfund.invalid/"

log = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A PDF asked for something other than one of sendfund's static files."""


def static_file(url: str) -> Path:
    """The file on disk for a /static/ URL on BASE_URL, or RefusedURL."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    static_url = settings.STATIC_URL
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(
        static_url
    ):
        raise RefusedURL(f"PDFs use only sendfund's own static files, not {url[:200]!r}")
    relative = unquote(parts.path[len(static_url) :])
    try:
        found = finders.find(relative)
        if not found and settings.STATIC_ROOT:
            candidate = Path(safe_join(str(settings.STATIC_ROOT), relative))
            found = str(candidate) if candidate.is_file() else None
    except Exception as error:  # a path that climbs out of the static directories
        raise RefusedURL(f"not a static file: {url[:200]!r}") from error
    if not found or not Path(found).is_file():
        raise RefusedURL(f"no such static file: {url[:200]!r}")
    return Path(found)


def url_fetcher():
    """A WeasyPrint URL fetcher that serves static_file() and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            try:
                path = static_file(url)
            except RefusedURL:
                log.warning("PDF: refused to fetch %.200s", url)
                raise
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": mime_type})

    return StaticOnly(allowed_protocols=("https",), allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # imported here: it is slow to import and only PDFs need it

    # WeasyPrint announces every rendering step at INFO; keep the server log for real events.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).write_pdf()
