"""This app's part of `manage.py seed_demo` (servicedesk/core/demo.py): five
technicians with their regions and certifications, one of them inactive and
one certification expired (to show dispatch refusing it). Idempotent."""

import datetime

from django.db import transaction
from django.utils import timezone

from servicedesk.accounts.demo import demo_user

from .models import Certification, Technician


@transaction.atomic
def seed_technicians(run):
    """The technicians; the first four (the active ones) in run.people["techs"]."""
    regions, cats = run.people["regions"], run.people["categories"]
    station, station2 = run.people["stations"]
    valid = timezone.localdate() + datetime.timedelta(days=365)
    techs = []
    specs = [
        ("tech1", "师傅刘", station, ["bj-chaoyang"], list(cats), True),
        ("tech2", "师傅陈", station, ["bj-chaoyang"], list(cats), True),
        ("tech3", "师傅杨", station, ["bj-haidian"], ["gas_water_heater", "water_purifier"], True),
        ("tech4", "师傅黄", station2, ["sh-pudong"], ["air_conditioner", "washing_machine"], True),
        ("tech5", "师傅吴", station2, ["sh-pudong", "gz-tianhe"], list(cats), False),
    ]
    for username, name, st, region_codes, slugs, active in specs:
        user = demo_user(username, run.password, ["technician"], first_name=name, unit=st)
        tech, _ = Technician.objects.update_or_create(user=user, defaults={"station": st, "active": active})
        tech.regions.set([regions[c] for c in region_codes])
        for slug in slugs:
            Certification.objects.update_or_create(
                technician=tech, category=cats[slug],
                defaults={"valid_until": valid, "number": f"CERT-{username}-{slug}"},
            )
        techs.append(tech)
    # One expired certification, to show dispatch refusing it.
    Certification.objects.update_or_create(
        technician=techs[2], category=cats["air_conditioner"],
        defaults={"valid_until": timezone.localdate() - datetime.timedelta(days=10), "number": "CERT-tech3-old"},
    )
    run.people["techs"] = techs[:4]
