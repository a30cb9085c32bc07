from django.core.management.base import BaseCommand

from servicedesk.deadlines.escalation import BATCH_SIZE, sweep


class Command(BaseCommand):
    help = "Run one escalation sweep now: the same code the periodic task runs."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, batch_size=BATCH_SIZE, **options):
        result = sweep(batch_size=batch_size)
        self.stdout.write(
            f"warnings: {result.warnings}, escalations: {result.escalations}, "
            f"notifications: {result.notifications}, batches: {result.batches}"
        )
