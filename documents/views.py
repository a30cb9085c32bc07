"""Pages of the on-site records: a document by its signed link (the PDF, or
its print view: the same content), without a login; the technician's forms
adding a photo or a part (the card on the order's page, documents.panel)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ApplicationError, page_text
from servicedesk.core.models import IdempotencyKey

from . import links, parts, photos
from .models import Document
from .panel import image_url


def _document(request, token) -> Document:
    try:
        pk = links.document_id_from(token)
    except links.LinkExpired:
        raise _Gone from None
    document = Document.objects.select_related("order").filter(pk=pk).first() if pk else None
    if document is None:
        raise Http404
    return document


class _Gone(Exception):
    pass


def _gone(request):
    return render(request, "documents/link_expired.html", status=410)


def document_pdf(request, token):
    try:
        document = _document(request, token)
    except _Gone:
        return _gone(request)
    response = FileResponse(document.file.open("rb"), content_type="application/pdf",
                            filename=f"{document.order.number}-{document.kind}.pdf")
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def document_print(request, token):
    """The print view: the content the PDF was made of, as a page."""
    try:
        document = _document(request, token)
    except _Gone:
        return _gone(request)
    content = document.content
    for section in content["sections"]:
        for shown in section.get("images", ()):
            shown["url"] = image_url(token, shown["name"])
        signature = section.get("signature")
        if signature and signature.get("image"):
            signature["url"] = image_url(token, signature["image"])
    return render(request, "documents/print.html", {
        "document": document, "content": content, "pdf_url": links.pdf_path(document)})


def document_image(request, token, name):
    """An image a document shows (a photo's thumbnail, the signature), by the document's signed link."""
    try:
        document = _document(request, token)
    except _Gone:
        return _gone(request)
    names = {shown["name"] for s in document.content["sections"] for shown in s.get("images", ())}
    names |= {s["signature"]["image"] for s in document.content["sections"] if s.get("signature")}
    if name not in names or not name:
        raise Http404
    content_type = "image/png" if name.endswith(".png") else "image/jpeg"
    return FileResponse(default_storage.open(name, "rb"), content_type=content_type)


def _back(request, pk):
    """Where the form came from when it says so (the visit page, at its step), else the order's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(reverse("work-order-detail", args=[pk]) + "#onsite-records")


def _once(request, kind, add) -> bool:
    """Runs add() once per form token (`token`, a new one each time the page
    is shown): a repeated tap or a resent form finds the token's row and adds
    nothing again. The row is written in add()'s transaction (the core
    IdempotencyKey rows, keyed "page:<kind>:<token>"). False if already done."""
    token = request.POST.get("token", "")[:64]
    if not token:
        add()
        return True
    key = f"page:{kind}:{token}"
    with transaction.atomic():
        IdempotencyKey.objects.bulk_create(
            [IdempotencyKey(user=request.user, key=key, request_hash=kind)], ignore_conflicts=True)
        row = IdempotencyKey.objects.select_for_update().get(user=request.user, key=key)
        if row.status:
            return False
        add()
        row.status = 303
        row.save(update_fields=["status"])
    return True


@login_required
@require_POST
def photo_add_page(request, pk):
    try:
        added = _once(request, "photo", lambda: photos.photo_add(
            order_id=pk, by=request.user, stage=request.POST.get("stage", ""), upload=request.FILES.get("image")))
    except ApplicationError as exc:
        messages.error(request, page_text(exc))
    else:
        messages.success(request, _("Photo added.") if added else _("This photo was already added."))
    return _back(request, pk)


@login_required
@require_POST
def part_add_page(request, pk):
    try:
        quantity = int(request.POST.get("quantity", ""))
    except ValueError:
        quantity = 0
    try:
        added = _once(request, "part", lambda: parts.part_add(
            order_id=pk, by=request.user, part_code=request.POST.get("part_code", ""), quantity=quantity))
    except ApplicationError as exc:
        messages.error(request, page_text(exc))
    else:
        messages.success(request, _("Part added: it leaves the stock when the work is resolved.") if added
                         else _("This part was already added."))
    return _back(request, pk)
