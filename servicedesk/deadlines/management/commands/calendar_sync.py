from django.core.management.base import BaseCommand

from servicedesk.deadlines.calendar import sync_from_chinese_calendar, unconfirmed_years


class Command(BaseCommand):
    help = "Seed holiday and make-up workday overrides from chinese-calendar for the years it knows."

    def handle(self, *args, **options):
        years = sync_from_chinese_calendar()
        self.stdout.write(f"confirmed from chinese-calendar: {years[0]}-{years[-1]}")
        missing = unconfirmed_years()
        if missing:
            self.stdout.write(f"unconfirmed (weekends and fixed-date holidays only): {missing}")
