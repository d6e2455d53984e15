"""A small HTTP client for real server processes: keeps cookies across nodes, forms and files."""

from __future__ import annotations

import http.client
import re
import uuid
from urllib.parse import urlencode


class Browser:
    """One person's cookies, sent to whichever node a request goes to (as a load balancer would)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, content

    def get(self, port: int, path: str, **headers):
        return self.request(port, "GET", path, headers=headers)

    def post(self, port: int, path: str, fields: dict, files: dict | None = None):
        csrf = self.cookies.get("csrftoken", "")
        fields = {"csrfmiddlewaretoken": csrf, **fields}
        headers = {"X-CSRFToken": csrf, "Referer": f"http://127.0.0.1:{port}{path}"}
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(boundary, fields, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request(port, "POST", path, body=body, headers=headers, timeout=120)

    def sign_in(self, port: int, username: str, password: str) -> None:
        self.get(port, "/accounts/login/")
        status, headers, content = self.post(
            port, "/accounts/login/", {"login": username, "password": password}
        )
        assert status == 302, content[-2000:]


def _multipart(boundary: str, fields: dict, files: dict) -> bytes:
    out = b""
    for name, value in fields.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    for name, (filename, data) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        out += data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def job_path(location: str) -> str:
    match = re.search(r"/pupils/import/jobs/[0-9a-f-]{36}/", location)
    assert match, location
    return match.group(0)
