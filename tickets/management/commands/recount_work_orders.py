from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from tickets.counting import recount_work_orders


class Command(BaseCommand):
    help = ("Rebuild the work-order counters (PostgreSQL) after a data-only restore, logical replication or "
            "loaddata: count the orders with the table locked against writes.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(_("The work-order counters exist on PostgreSQL only: nothing to rebuild."))
        with transaction.atomic():
            total = recount_work_orders(connection)
        self.stdout.write(_("%(total)d work orders counted.") % {"total": total})
