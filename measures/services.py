"""Writes of the measures app: the monthly report mailed to the managers."""

from __future__ import annotations

import datetime
import decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from servicedesk.accounts.roles import Role

from . import exports, selectors
from .models import MonthlyReportMailing
from .scope import month_scope


def catch_up_days() -> int:
    return int(getattr(settings, "MONTHLY_REPORT_CATCH_UP_DAYS", 3))


def managers_to_mail() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, groups__name=Role.MANAGER).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def monthly_report_mail(*, now: datetime.datetime | None = None) -> str | None:
    """Mail last month's report (xlsx and PDF attached) to every manager with
    an e-mail address, once. Answers the month mailed, or None."""
    today = timezone.localdate(now or timezone.now())
    if today.day > catch_up_days():
        return None
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    if MonthlyReportMailing.objects.filter(month=month).exists():
        return None
    recipients = managers_to_mail()
    try:
        with transaction.atomic():
            # The unique month is the proof: a second run (or worker) stops here.
            MonthlyReportMailing.objects.create(month=month, sent_at=timezone.now(), recipients=recipients)
            if recipients:
                with translation.override("zh-hans"):
                    report = selectors.monthly_report(month_scope(f"{month:%Y-%m}"))
                    title = exports.report_title(report)
                    mail = EmailMessage(subject=title, body=title, to=recipients)
                    mail.attach(f"after-sales-{month:%Y-%m}.xlsx", exports.monthly_xlsx(report), exports.XLSX)
                    mail.attach(f"after-sales-{month:%Y-%m}.pdf", exports.monthly_pdf(report), "application/pdf")
                # Inside the transaction: a failed send leaves no row, and the next hour tries again.
                mail.send()
    except IntegrityError:
        return None
    return f"{month:%Y-%m}"


def scorecard_entry_record(*, technician, month: datetime.date, kind: str, amount, reason: str, by):
    """seeds/004: a reward or penalty on a technician's month, with its reason.
    Supervisors and managers only; never changed afterwards (the history)."""
    from django.utils.translation import gettext as _

    from servicedesk.core.errors import PermissionDenied, ValidationFailed

    from .models import ScorecardEntry
    from .scope import user_may_see_measures

    if not user_may_see_measures(by):
        raise PermissionDenied()
    if kind not in ScorecardEntry.Kind.values:
        raise ValidationFailed(_("Choose reward or penalty."), field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason."), field="reason")
    try:
        amount = decimal.Decimal(str(amount or 0))
    except decimal.InvalidOperation:
        raise ValidationFailed(_("Enter an amount."), field="amount") from None
    if amount < 0 or amount >= 10 ** 8:
        raise ValidationFailed(_("Enter an amount of 0 or more."), field="amount")
    return ScorecardEntry.objects.create(technician=technician, month=month.replace(day=1), kind=kind,
                                         amount=amount, reason=reason, by=by, at=timezone.now())


def eight_d_eligible(complaint) -> bool:
    """seeds/002: 8D reports for class 2 and 3 product-quality complaints."""
    return complaint.category == "quality" and complaint.complaint_class in (2, 3)


def eight_d_save(*, complaint_id, by, fields: dict):
    """Create or update the complaint's 8D report (one per complaint; the row
    is locked so two editors do not overwrite each other half-way)."""
    from django.utils.translation import gettext as _

    from complaints.models import Complaint
    from servicedesk.core.errors import PermissionDenied, ValidationFailed

    from .models import EightDReport
    from .scope import user_may_see_measures

    if not user_may_see_measures(by):
        raise PermissionDenied()
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
        if not eight_d_eligible(complaint):
            raise ValidationFailed(_("8D reports are for class 2 and 3 product-quality complaints."),
                                   code="not_eligible")
        values = {name: (fields.get(name) or "").strip() for name in EightDReport.FIELDS}
        if not values["d2_problem"]:
            raise ValidationFailed(_("Describe the problem (D2)."), field="d2_problem")
        report, _created = EightDReport.objects.update_or_create(
            complaint=complaint, defaults={**values, "updated_by": by, "updated_at": timezone.now()})
    return report
