"""How the filters (station, region, category, technician) reach each kind of
object a measure counts. Written once here, used by every measure and every
list behind it, so a number and its list always agree.

A filter that does not apply to an object (a switch call has no station)
leaves none of those objects: a measure over calls under a station filter is
0 of 0, rate null, never the whole company's figure under a station's name."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from complaints.models import Complaint
from returns.models import ReturnRequest
from tickets.models import WorkOrder

NOTHING = Q(pk__in=[])


def _work_order(filters: dict, prefix: str = "") -> Q:
    q = Q()
    if "station" in filters:
        q &= Q(**{f"{prefix}technician__station_id": filters["station"]})
    if "region" in filters:
        q &= Q(**{f"{prefix}region_id": filters["region"]})
    if "category" in filters:
        q &= Q(**{f"{prefix}category__slug": filters["category"]})
    if "technician" in filters:
        q &= Q(**{f"{prefix}technician_id": filters["technician"]})
    return q


def _complaint(filters: dict) -> Q:
    """A complaint's technician is the one complained about, else its order's;
    its region and category come from its address and product, else its order's."""
    q = Q()
    if "station" in filters:
        q &= Q(technician__station_id=filters["station"]) | Q(
            technician__isnull=True, work_order__technician__station_id=filters["station"])
    if "region" in filters:
        q &= Q(address__region_id=filters["region"]) | Q(
            address__isnull=True, work_order__region_id=filters["region"])
    if "category" in filters:
        q &= Q(product__category__slug=filters["category"]) | Q(
            product__isnull=True, work_order__category__slug=filters["category"])
    if "technician" in filters:
        q &= Q(technician_id=filters["technician"]) | Q(
            technician__isnull=True, work_order__technician_id=filters["technician"])
    return q


def _return(filters: dict) -> Q:
    q = Q()
    if "station" in filters:
        q &= Q(technician__station_id=filters["station"])
    if "region" in filters:
        q &= Q(address__region_id=filters["region"])
    if "category" in filters:
        q &= Q(product__category__slug=filters["category"])
    if "technician" in filters:
        q &= Q(technician_id=filters["technician"])
    return q


_KNOWN = {
    WorkOrder: _work_order,
    Complaint: _complaint,
    ReturnRequest: _return,
}


def _order_path(model) -> str | None:
    """Another app's object that belongs to a work order (a survey, an
    appointment): the filters reach it through that order."""
    for f in model._meta.get_fields():
        if isinstance(f, models.ForeignKey) and f.related_model is WorkOrder:
            return f.name
    return None


def subject_q(model, filters: dict) -> Q:
    """The condition on `model`'s rows for `filters` (Q() when none)."""
    if not filters:
        return Q()
    if model in _KNOWN:
        return _KNOWN[model](filters)
    path = _order_path(model)
    if path:
        return _work_order(filters, prefix=f"{path}__")
    return NOTHING


def work_orders(filters: dict, prefix: str = "") -> Q:
    return _work_order(filters, prefix)


def complaints(filters: dict) -> Q:
    return _complaint(filters)
