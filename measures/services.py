"""Writes of the measures app: the monthly report mailed to the managers."""

from __future__ import annotations

import datetime

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
