"""Reads of the on-site records."""

from django.urls import reverse

from .models import Document, PartUse, Photo


def photos_of(order):
    return Photo.objects.filter(order=order).select_related("taken_by").order_by("taken_at", "id")


def documents_of(order):
    return Document.objects.filter(order=order).order_by("created_at", "id")


def parts_of(order):
    return PartUse.objects.filter(order=order).order_by("added_at", "id")


def photo_path(photo, *, thumb=False) -> str:
    path = reverse("api-work-order-photo-file", args=[photo.order_id, photo.pk])
    return f"{path}?size=thumb" if thumb else path
