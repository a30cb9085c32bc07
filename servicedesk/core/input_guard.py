"""Malformed input of any shape is a 4xx naming the problem, never a 500
(contract: Retries, privacy, abuse; issue 16, item 2).

Two gates, for every view at once instead of a check per view:

- `GuardedJSONParser`, the API's parser: a body larger than
  DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 (DRF reads the stream itself, past
  Django's limit); nesting too deep for the parser (RecursionError) or deeper
  than MAX_DEPTH is a 400; a string or key with a NUL character (PostgreSQL
  refuses it in text) or an unpaired surrogate (\\ud800 escapes; not
  encodable as UTF-8) is a 400 naming the field.
- `MalformedInputMiddleware`, for pages and the API alike: the same for the
  query string and form bodies (whose bytes must also be UTF-8), a NUL in the
  path, and a non-file body over the limit (413).

Answers: the API's `{"detail", "code", "field"}` (or `"parameter"`), the
pages' small fragment with `data-code`, as core.middleware answers htmx."""

import json
import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .errors import ValidationFailed

# No body of this API nests deeper than a few levels (findings, products);
# far below Python's recursion limit, so no later recursive walk can fail.
MAX_DEPTH = 32

_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """The code of what is wrong with a string, or None."""
    found = _BAD_CHARACTER.search(value)
    if found is None:
        return None
    return "nul_character" if found.group() == "\x00" else "invalid_unicode"


def problem_message(code: str, name: str, *, parameter=False) -> str:
    if code == "nul_character":
        text = _("The parameter “%(name)s” contains a NUL character.") if parameter else \
            _("The field “%(name)s” contains a NUL character.")
    elif code == "invalid_unicode":
        text = _("The parameter “%(name)s” is not valid UTF-8 text.") if parameter else \
            _("The field “%(name)s” is not valid Unicode text (an unpaired surrogate).")
    else:
        text = _("The parameter “%(name)s” is malformed.")
    return text % {"name": name}


class MalformedInput(ValidationFailed):
    """400 (413 when too large) `{"detail", "code", "field"}`: `field` is the
    dotted path of the value in the body ("customer.name", "items.0")."""

    def __init__(self, message, *, code, field=None, status=400):
        super().__init__(message, code=code)
        self.path = field
        self.status = status

    def as_payload(self):
        payload = {"detail": str(self.message)}
        if self.path:
            payload["field"] = self.path
        return payload


def too_large_message() -> str:
    return _("The request body is larger than %(size)d bytes.") % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}


def check_json(data) -> None:
    """Refuse nesting deeper than MAX_DEPTH and strings (values and keys) with
    a NUL or an unpaired surrogate. Walks without recursion."""
    stack = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            code = text_problem(value)
            if code:
                raise MalformedInput(problem_message(code, path or "(body)"), code=code, field=path or None)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise MalformedInput(_("The JSON body is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH},
                                 code="too_deeply_nested")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                code = text_problem(key)
                if code:
                    raise MalformedInput(problem_message(code, repr(key)[1:-1]), code=code, field=None)
            stack.append((item, name, depth + 1))


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser with the gates above (the API's only parser)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise MalformedInput(too_large_message(), code="request_too_large", status=413)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_strict_constant)
        except RecursionError:
            raise MalformedInput(_("The JSON body is nested too deeply."), code="too_deeply_nested") from None
        except ValueError as exc:  # also UnicodeDecodeError: bytes that are not UTF-8
            raise ParseError(f"JSON parse error - {exc}") from None
        check_json(data)
        return data


def _strict_constant(name):
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


# --- the middleware ---------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


def _pairs_problem(raw: bytes) -> tuple[str, str] | None:
    """(code, parameter) of the first bad pair of an urlencoded string."""
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name_raw, _sep, value_raw = pair.partition(b"=")
        name_bytes = unquote_to_bytes(name_raw.replace(b"+", b" "))
        name = name_bytes.decode("utf-8", "replace")
        for part in (name_bytes, unquote_to_bytes(value_raw.replace(b"+", b" "))):
            try:
                text = part.decode("utf-8")
            except UnicodeDecodeError:
                return "invalid_unicode", name
            code = text_problem(text)
            if code:
                return code, name.replace("\x00", "\\x00")
    return None


class MalformedInputMiddleware:
    """Before any view (and before CSRF reads the form): see the module's doc."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return self.answer(request, *refusal)
        return self.get_response(request)

    def refusal(self, request):
        """(status, code, message, key, name) of the problem, or None."""
        if "\x00" in request.path:
            return 400, "nul_character", _("The address contains a NUL character."), None, None
        query = request.META.get("QUERY_STRING", "")
        if query:
            found = _pairs_problem(query.encode("iso-8859-1", "replace"))
            if found:
                code, name = found
                return 400, code, problem_message(code, name, parameter=True), "parameter", name
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # File uploads are not counted against the limit (Django's rule): multipart passes.
        if limit is not None and length > limit and content_type != "multipart/form-data":
            return 413, "request_too_large", too_large_message(), None, None
        if content_type == FORM and length:
            found = _pairs_problem(request.body)
            if found:
                code, name = found
                return 400, code, problem_message(code, name, parameter=True), "parameter", name
        elif content_type == "multipart/form-data" and request.method == "POST":
            try:
                fields = list(request.POST.lists())
            except (MultiPartParserError, UnicodeDecodeError):
                return 400, "malformed_body", _("The form's body is malformed."), None, None
            for name, values in fields:
                for text in (name, *values):
                    code = text_problem(text)
                    if code:
                        name = name.replace("\x00", "\\x00")
                        return 400, code, problem_message(code, name, parameter=True), "parameter", name
        return None

    def answer(self, request, status, code, message, key, name):
        if request.path.startswith("/api/"):
            body = {"detail": message, "code": code}
            if key:
                body[key] = name
            return JsonResponse(body, status=status)
        return HttpResponse(
            f'<div class="alert alert-error" role="alert" data-code="{escape(code)}">{escape(message)}</div>',
            status=status)
