"""A Content-Security-Policy on every page (issue 16, item 9): scripts only
from this site or with the request's nonce; no inline script, event-handler
attribute or javascript: URL anywhere, so nothing the policy blocks is
needed. Every page is reached by following the links of the demo data as
each kind of user."""

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


class Page(HTMLParser):
    """The links, and everything the policy would block, of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.scripts, self.styles, self.handlers = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "style":
            self.styles.append({**attrs, "line": self.rawdata.splitlines()[self.getpos()[0] - 1][:200]})
        for name, value in attrs.items():
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")


def problems(response):
    """What in this page would not run, or would run although injected."""
    policy = response.get("Content-Security-Policy", "")
    if not policy:
        return ["no Content-Security-Policy header"]
    found = []
    nonce = NONCE.search(policy)
    if "'unsafe-inline'" in policy.split("script-src", 1)[1].split(";", 1)[0] or "'unsafe-eval'" in policy:
        found.append("script-src allows inline or eval")
    if "text/html" not in response.get("Content-Type", ""):
        return found
    page = Page()
    page.feed(response.content.decode())
    for script in page.scripts:
        if script.get("type") == "application/json":
            continue  # data (json_script), never run, not subject to the policy
        if not script.get("src") and (nonce is None or script.get("nonce") != nonce.group(1)):
            found.append(f"inline <script> without the nonce: {script}")
    for style in page.styles:
        if nonce is None or style.get("nonce") != nonce.group(1):
            found.append(f"<style> without the nonce: {style}")
    return found + page.handlers


@pytest.fixture
def demo(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-4711")
    call_command("seed_demo", orders=12, complaints=6, verbosity=0)
    settings.DEBUG = False  # DEBUG's own error pages are no product page


def crawl(client, start="/", limit=250):
    """Every page reachable by links from `start` (one page per path and
    query shape, so a list's hundred pages are one), as this client."""
    seen, queue, pages = set(), deque([start]), {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        parsed = urlparse(url)
        shape = (re.sub(r"\d+", "N", parsed.path), tuple(sorted(re.findall(r"([^&=?]+)=", parsed.query))))
        if shape in seen:
            continue
        seen.add(shape)
        r = client.get(url)
        pages[url] = r
        if r.status_code in (301, 302):
            hrefs = [r["Location"]]
        elif r.status_code == 200 and "text/html" in r.get("Content-Type", ""):
            page = Page()
            page.feed(r.content.decode())
            hrefs = page.links
        else:
            continue
        for href in hrefs:
            target = urlparse(urljoin(url, href))
            if target.netloc or target.scheme not in ("", "http"):
                continue
            if target.path.startswith(("/accounts/logout", "/admin/logout", "/i18n/", "/static/")):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return pages


@pytest.mark.parametrize("username", ["agent", "dispatcher", "tech1", "supervisor", "handler"])
def test_every_page_reached_by_links_has_the_policy_and_no_inline_script(demo, username):
    client = Client()
    assert client.login(username=username, password="demo-pass-4711")

    pages = crawl(client, "/")

    assert len(pages) >= 10
    failures = {url: found for url, r in pages.items() if (found := problems(r))}
    assert failures == {}
    assert all(r.status_code < 500 for r in pages.values())


def test_every_admin_page_has_the_policy_and_no_inline_script(demo):
    """Each model's list, add form and the change form of its first row."""
    from django.contrib import admin
    from django.urls import reverse

    client = Client()
    assert client.login(username="admin", password="demo-pass-4711")  # seed_demo's superuser
    pages = {"/admin/": client.get("/admin/")}
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for url in (reverse(f"{name}_changelist"), reverse(f"{name}_add")):
            pages[url] = client.get(url)
        first = model_admin.get_queryset(pages["/admin/"].wsgi_request).order_by("pk").first()
        if first is not None:
            url = reverse(f"{name}_change", args=[first.pk])
            pages[url] = client.get(url)

    assert len(pages) > 100
    failures = {url: found for url, r in pages.items() if (found := problems(r))}
    assert failures == {}
    assert all(r.status_code < 500 for r in pages.values())


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", "/api/docs/", "/healthz", "/api/v1/me/"])
def test_anonymous_pages_and_api_answers_carry_the_policy(db, url):
    r = Client().get(url)

    assert problems(r) == []


def test_each_response_has_its_own_nonce(db):
    first, second = Client().get("/accounts/login/"), Client().get("/accounts/login/")

    nonces = [NONCE.search(r["Content-Security-Policy"]).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1]
    assert f'"inlineStyleNonce":"{nonces[0]}"' in first.content.decode()  # htmx's own indicator style


def test_the_api_docs_load_nothing_from_outside_and_only_redoc_allows_inline_styles(db):
    """Swagger UI and ReDoc come from the product (drf-spectacular-sidecar);
    ReDoc writes its styles into the page as it renders: that page alone
    allows inline styles, and still no inline script."""
    docs = Client().get("/api/docs/")["Content-Security-Policy"]
    redoc = Client().get("/api/redoc/")["Content-Security-Policy"]
    login = Client().get("/accounts/login/")["Content-Security-Policy"]

    for policy in (docs, redoc, login):
        assert "http" not in policy  # no other origin anywhere
        script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
        assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
    style_src = {name: next(d for d in p.split("; ") if d.startswith("style-src ")) for name, p in
                 (("docs", docs), ("redoc", redoc), ("login", login))}
    assert "'unsafe-inline'" in style_src["redoc"] and "'nonce-" not in style_src["redoc"]
    assert "'unsafe-inline'" not in style_src["docs"] and "'unsafe-inline'" not in style_src["login"]


def test_no_template_has_an_inline_script_or_handler():
    """The pages the crawl does not reach are covered by their templates."""
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        for match in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in match.group(1) and 'nonce="{{ csp_nonce }}"' not in match.group(1):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"<style\b([^>]*)>", text):
            if 'nonce="{{ csp_nonce }}"' not in match.group(1):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"""\son[a-z]+\s*=\s*["']|javascript:""", text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        # What htmx would evaluate (allowEval is off under the policy): js: values, hx-on, trigger filters.
        evaluated = r"""hx-(?:vals|vars)\s*=\s*["']\s*js:|\shx-on[:-]|hx-trigger\s*=\s*["'][^"']*\["""
        for match in re.finditer(evaluated, text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []
