"""The web container's health check: GET /healthz (which runs SELECT 1 on the
database) and exit 0 on 200, 1 on anything else, redirects included.

Django answers 400 to a Host it does not know, so the request names the first
host of ALLOWED_HOSTS rather than "localhost". /healthz is exempt from the
HTTPS redirect (settings.SECURE_REDIRECT_EXEMPT), so plain HTTP is enough.

    python docker/healthcheck.py [URL]     default http://127.0.0.1:8000/healthz
"""

import http.client
import os
import sys
import urllib.parse

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def host_header(default: str) -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")  # ".example.com" also allows example.com
        if host and host != "*":
            return host
    return default


def main(argv) -> int:
    url = urllib.parse.urlsplit(argv[1] if len(argv) > 1 else DEFAULT_URL)
    connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=5)
    try:
        connection.request("GET", url.path or "/", headers={"Host": host_header(url.netloc)})
        status = connection.getresponse().status
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"unhealthy: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
