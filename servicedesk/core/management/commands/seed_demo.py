"""Demo data (api-contract.md, Demo data): the organisation, the demo users
with DEMO_PASSWORD, categories by slug, technicians, customers, and a few
hundred work orders in every state, walked there through the real services
so their history and deadlines are real. Safe to run again.

Each app contributes its part (servicedesk/core/demo.py, registered in the
apps' AppConfig.ready()); this command runs them in order."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from servicedesk.core import demo
from servicedesk.core.demo import DEFAULT_PASSWORD  # noqa: F401 - calls/demo.py and billing/demo.py read it here


class Command(BaseCommand):
    help = "Create the demo organisation, users (password from DEMO_PASSWORD) and work orders."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        for part in demo.parts():
            for flag, kwargs in part.arguments:
                parser.add_argument(flag, **kwargs)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, force=False, seed=7, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo refuses to run with DEBUG off (it sets known passwords). Use --force.")
        if not settings.DEBUG and not os.environ.get("DEMO_PASSWORD"):
            # Forced onto a production-like server, the well-known default password would open every demo account.
            raise CommandError("seed_demo --force needs DEMO_PASSWORD with DEBUG off: the demo users would "
                               "otherwise get the publicly known default password.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        run = demo.DemoRun(password=password, seed=seed, options=options, stdout=self.stdout)
        for part in demo.parts():
            part.seed(run)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {', '.join(run.counts)}. {' '.join(run.notes)}"))
