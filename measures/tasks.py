from celery import shared_task

from .services import monthly_report_mail


@shared_task(name="measures.mail_monthly_report", acks_late=True, ignore_result=True)
def mail_monthly_report_task():
    """Mails last month's after-sales report to the managers on the 1st
    (seeds/002 月度售后数据). Beat runs it hourly; the month's mailing row
    (unique) makes it once per month, and a run missed on the 1st is made
    good by the next one within MONTHLY_REPORT_CATCH_UP_DAYS."""
    return monthly_report_mail()
