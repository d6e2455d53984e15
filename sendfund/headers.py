"""Permissions-Policy and Cache-Control on every response sendfund builds.

- Permissions-Policy: sendfund uses no camera, microphone, location or other device feature,
  so none is allowed to it or to anything it could be made to load. (Passkeys keep the
  browser's default, this site only.)
- Cache-Control: no-store: pupil pages, registers, exports, PDFs, the audit log and home pages
  all carry special category data, and a page with none today may show some tomorrow. So every
  response this app builds tells browsers and proxies to keep no copy (also after signing out,
  the Back button shows nothing from the cache). Static files are answered by WhiteNoise before
  this middleware and keep their long cache.

Neither header needs the database, so the 503 page of an outage gets both.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Features a browser recognises (an unknown name is a console error in Chromium), all off.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


class HeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        patch_cache_control(response, no_store=True, private=True)
        return response
