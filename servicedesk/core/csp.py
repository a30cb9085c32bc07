"""Content-Security-Policy on every response (issue 16, item 9).

Scripts only from this site or with the request's nonce, so an injected
<script> or event-handler attribute does not run. Templates give a <script>
or <style> element of their own `nonce="{{ csp_nonce }}"` (context processor
`nonce`); htmx gets it for the indicator style it injects (base.html,
htmx-config `inlineStyleNonce`). Style attributes stay allowed: they run no
code, and a width computed on the server (the rate bars) needs no script.

A view whose page needs more (ReDoc injects its styles at run time and runs
a worker from a blob) sets `response.csp_sources = {"style-src": [...], ...}`;
'unsafe-inline' among a directive's extra sources drops that directive's
nonce, which would make browsers ignore it."""

import secrets

HEADER = "Content-Security-Policy"


def policy(nonce: str, extra: dict | None = None) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    for directive, sources in (extra or {}).items():
        current = directives.setdefault(directive, ["'self'"])
        if "'unsafe-inline'" in sources:
            current[:] = [s for s in current if not s.startswith("'nonce-")]
        current.extend(sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(request.csp_nonce, getattr(response, "csp_sources", None))
        return response


def nonce(request):
    """The context processor: `{{ csp_nonce }}` in every template."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
