"""The case-study library: a class-3 complaint's lessons, shared with the
department (seeds/002)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from .. import selectors
from ..models import CaseStudy
from .common import PAGE_SIZE


@login_required
def case_study_list(request):
    if not selectors.may_read_case_studies(request.user):
        raise Forbidden
    studies = CaseStudy.objects.select_related("complaint", "written_by").order_by("-written_at", "-id")
    q = request.GET.get("q", "").strip()
    if q:
        studies = studies.filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(complaint__number__iexact=q))
    page = Paginator(studies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/case_study_list.html", {"page": page, "q": q, "tab": "case-studies"})


@login_required
def case_study_detail(request, pk):
    if not selectors.may_read_case_studies(request.user):
        raise Forbidden
    study = get_object_or_404(CaseStudy.objects.select_related("complaint__handling_unit", "written_by"), pk=pk)
    may_open = selectors.complaints_visible_to(request.user).filter(pk=study.complaint_id).exists()
    return render(request, "complaints/case_study_detail.html", {
        "study": study, "complaint": study.complaint, "may_open_complaint": may_open, "tab": "case-studies"})
