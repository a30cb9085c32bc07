"""The monthly after-sales report mailed to the managers on the 1st
(seeds/002 月度售后数据; issue 19 item 3), through the Celery task beat runs
hourly: once per month (the unique month row), with the workbook and the
Chinese PDF attached; nothing on other days."""

import datetime

from django.core import mail

from measures.models import MonthlyReportMailing
from measures.tasks import mail_monthly_report_task
from tests.factories import UserFactory


def test_mailed_once_on_the_first_with_both_files(db, clock_at, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="m1", roles=["manager"], email="m1@example.com")
    UserFactory(username="m2", roles=["manager"], email="")
    UserFactory(username="s1", roles=["supervisor"], email="s1@example.com")
    clock_at(datetime.datetime(2026, 12, 1, 0, 30))
    assert mail_monthly_report_task.apply().get() == "2026-11"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["m1@example.com"]
    assert "2026-11" in message.subject and "月度售后" in message.subject
    assert sorted(name for name, _body, _type in message.attachments) == [
        "after-sales-2026-11.pdf", "after-sales-2026-11.xlsx"]
    # The next hour's run, and a second worker: nothing twice.
    clock_at(datetime.datetime(2026, 12, 1, 1, 30))
    assert mail_monthly_report_task.apply().get() is None
    assert len(mail.outbox) == 1
    assert MonthlyReportMailing.objects.get().month == datetime.date(2026, 11, 1)


def test_not_mailed_mid_month(db, clock_at, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="m1", roles=["manager"], email="m1@example.com")
    clock_at(datetime.datetime(2026, 12, 15, 9, 0))
    assert mail_monthly_report_task.apply().get() is None
    assert mail.outbox == [] and not MonthlyReportMailing.objects.exists()


def test_a_failed_send_is_tried_again_the_next_hour(db, clock_at, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="m1", roles=["manager"], email="m1@example.com")
    clock_at(datetime.datetime(2027, 1, 1, 8, 0))
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    result = mail_monthly_report_task.apply()
    assert result.failed() and not MonthlyReportMailing.objects.exists()
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert mail_monthly_report_task.apply().get() == "2026-12"
    assert len(mail.outbox) == 1
