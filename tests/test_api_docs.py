"""/api/docs/ (Swagger UI) and /api/redoc/ come from the product itself:
partners behind a firewall or in mainland China reach no CDN (issue 13,
item 1). Every script, style sheet and icon the pages name is a static file
of the product, found by the static finders (what collectstatic copies) and
served."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)
REFERENCE = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def references(html):
    return [url for url in REFERENCE.findall(html) if not url.startswith(("data:", "#"))]


@pytest.mark.parametrize("url,assets", [
    ("/api/docs/", {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"}),
    ("/api/redoc/", {"redoc.standalone.js"}),
])
def test_the_api_docs_name_no_outside_address_and_every_asset_is_served(client, url, assets):
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert EXTERNAL.findall(html) == []
    found = references(html)
    assert {Path(ref).name for ref in found} >= assets
    for ref in found:
        assert ref.startswith(settings.STATIC_URL), ref
        assert finders.find(ref.removeprefix(settings.STATIC_URL)) is not None, ref
        served = client.get(ref)
        assert served.status_code == 200, ref
        assert b"".join(served.streaming_content if served.streaming else [served.content])


def test_the_schema_the_docs_read_is_served_too(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"servicedesk API" in response.content


def test_no_template_or_static_file_of_the_product_loads_from_a_cdn():
    root = Path(settings.BASE_DIR)
    loading = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//|@import\s+url\(\s*["']?(?:https?:)?//|"""
                         r"""\bfetch\(\s*["'](?:https?:)?//""", re.IGNORECASE)
    offenders = []
    for folder in ["templates", "static", *[f"{app}/templates" for app in ("billing", "calls", "complaints",
                                                                             "tickets", "returns")]]:
        for path in (root / folder).rglob("*"):
            if (path.suffix in {".html", ".css", ".js"} and path.parent.name != "vendor"
                    and loading.search(path.read_text(encoding="utf-8"))):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
