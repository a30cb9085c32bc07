"""Signed links to a document (issue 14, item 5): the customer opens them
without a login. django.core.signing with its own salt; they expire after
settings.SERVICEDESK["DOCUMENT_LINK_MAX_AGE_DAYS"] days (default 30)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "documents.link"


def max_age_seconds() -> int:
    return int(settings.SERVICEDESK.get("DOCUMENT_LINK_MAX_AGE_DAYS", 30)) * 86400


def token_for(document) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(document.pk))


class LinkExpired(Exception):
    pass


def document_id_from(token: str) -> int | None:
    """The document's id; None for a tampered link; LinkExpired for an expired one."""
    try:
        return int(signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age_seconds()))
    except signing.SignatureExpired:
        raise LinkExpired from None
    except (signing.BadSignature, ValueError):
        return None


def pdf_path(document) -> str:
    return reverse("document-pdf", args=[token_for(document)])


def print_path(document) -> str:
    return reverse("document-print", args=[token_for(document)])
