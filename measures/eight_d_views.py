"""The 8D report of a class 2 or 3 product-quality complaint (seeds/002;
issue 19 item 5): the form and the printable sheet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from complaints.models import Complaint
from servicedesk.core.errors import ValidationFailed

from . import services
from .models import EightDReport
from .scope import user_may_see_measures


def _complaint(request, pk):
    if not user_may_see_measures(request.user):
        raise PermissionDenied
    complaint = get_object_or_404(Complaint.objects.select_related("customer", "technician__user"), pk=pk)
    if not services.eight_d_eligible(complaint):
        raise Http404(_("8D reports are for class 2 and 3 product-quality complaints."))
    return complaint


def _fields(report, data=None):
    return [(name, EightDReport._meta.get_field(name).verbose_name,
             (data.get(name, "") if data is not None else getattr(report, name, "") if report else ""))
            for name in EightDReport.FIELDS]


@login_required
def eight_d_form(request, pk):
    complaint = _complaint(request, pk)
    report = EightDReport.objects.filter(complaint=complaint).select_related("updated_by").first()
    errors = {}
    if request.method == "POST":
        try:
            services.eight_d_save(complaint_id=complaint.pk, by=request.user, fields=request.POST)
        except ValidationFailed as error:
            errors[error.field or "form"] = error.message
        else:
            messages.success(request, _("The 8D report is saved."))
            return redirect("complaint-8d", pk=complaint.pk)
    return render(request, "measures/eight_d.html", {
        "complaint": complaint, "report": report, "errors": errors,
        "fields": _fields(report, request.POST if request.method == "POST" else None),
    }, status=400 if errors else 200)


@login_required
def eight_d_print(request, pk):
    complaint = _complaint(request, pk)
    report = EightDReport.objects.filter(complaint=complaint).select_related("updated_by").first()
    return render(request, "measures/eight_d_print.html", {"complaint": complaint, "report": report,
                                                           "fields": _fields(report)})
