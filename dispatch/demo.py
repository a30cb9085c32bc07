"""This app's part of `manage.py seed_demo` (servicedesk/core/demo.py): the
active technicians work 08:30-17:30 Monday to Friday (tech2 also Saturday
mornings), and each station has an emergency duty every day of the next
four weeks, tech1 at the first station (the contract: a demo technician on
duty every day). partner2 (whose installations need approval, accounts.demo)
has sent one installation that waits in the director's queue. Idempotent."""

import datetime

from django.db import transaction
from django.utils import timezone

from tickets.services import work_order_create

from .models import Duty, WorkingHours

DAYS = 28


@transaction.atomic
def seed_dispatch(run):
    techs = run.people["techs"]
    start, end = datetime.time(8, 30), datetime.time(17, 30)
    for tech in techs:
        for weekday in range(5):
            WorkingHours.objects.get_or_create(technician=tech, weekday=weekday, start=start, end=end)
    WorkingHours.objects.get_or_create(technician=techs[1], weekday=5, start=datetime.time(9), end=datetime.time(12))
    by = run.people["dispatcher"]
    today = timezone.localdate()
    on_duty = {}
    for tech in techs:
        on_duty.setdefault(tech.station_id, tech)  # the first technician of each station: tech1, tech4
    for offset in range(-7, DAYS):
        day = today + datetime.timedelta(days=offset)
        for station_id, tech in on_duty.items():
            if station_id:
                Duty.objects.get_or_create(station_id=station_id, date=day,
                                           defaults={"technician": tech, "updated_by": by})
    # contract: approved installations; the same external_ref answers the same order on a second run.
    if run.options.get("orders") == 0:
        return  # seed_demo --orders 0: users and directories only
    work_order_create(
        by=run.people["partner2"], kind="install", external_ref="DEMO-INSTALL-1",
        description="新房安装燃气热水器 New flat: install a gas water heater",
        customer={"name": "周敏", "phone": "13700137001", "address": "北京市朝阳区望京街10号"},
        product={"category": run.people["categories"]["gas_water_heater"], "model": "JSQ-24", "serial": "NEW-1"},
    )
