"""The admin permissions each role's work needs, given to the role's group
(issue 13, item 2). A model is named by its model name alone and found in
whichever app holds it: the returns models move from the app label `billing`
to `returns`, and the grant must follow them there without a new table.

`grant(apps)` takes the migration's app registry, creates the content types
and permissions that post_migrate has not created yet (a fresh database runs
every migration before the first post_migrate), and adds the permissions to
the groups. It only adds: rerunning it (for instance from the migration that
moves the returns models) is harmless."""

VIEW = ("view",)
EDIT = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

# The supervisor keeps the rules the deadlines and the money follow: the
# holiday calendar and its yearly confirmation, SLA policies and their
# escalation ladders, fee schedules, warranty terms, return rules and
# windows; and reads what those rules produce.
SUPERVISOR = {
    "calendarday": ALL, "calendaryear": EDIT,
    "slapolicy": EDIT, "escalationstep": ALL, "deadline": VIEW, "deadlinepause": VIEW, "escalation": VIEW,
    "feeschedule": EDIT, "feeitem": ALL, "partprice": ALL, "warrantyterm": EDIT, "categorybillingpolicy": EDIT,
    "workorderentitlement": VIEW, "quote": VIEW, "quoteline": VIEW, "quoteevent": VIEW, "payment": VIEW,
    "refund": VIEW, "servicepointdeposit": VIEW, "stockitem": VIEW, "stockmovement": VIEW,
    "returnrule": ALL, "returnwindow": ALL, "returnrequest": VIEW, "returnevent": VIEW,
    "factoryreturn": VIEW, "factoryreturnitem": VIEW, "factoryreturnevent": VIEW,
    "productcategory": VIEW, "technician": VIEW, "certification": VIEW, "unit": VIEW, "region": VIEW,
}

# The administrator (a role, not necessarily a superuser) also keeps the
# organisation: people and their roles, units, regions, partners, product
# categories, technicians and their certifications, stock and deposits.
ADMINISTRATOR = {
    **SUPERVISOR,
    "user": EDIT, "group": VIEW, "unit": EDIT, "region": EDIT, "partner": EDIT,
    "productcategory": EDIT, "technician": EDIT, "certification": ALL,
    "servicepointdeposit": EDIT, "stockitem": EDIT,
    "customer": VIEW, "customerphone": VIEW, "address": VIEW, "customerproduct": VIEW,
    "notification": VIEW, "emaildelivery": VIEW,
    "workorder": VIEW, "workorderevent": VIEW,
    "call": VIEW, "callback": VIEW, "calltransition": VIEW, "inquiry": VIEW, "calllink": VIEW,
}

ROLE_PERMISSIONS = {"supervisor": SUPERVISOR, "administrator": ADMINISTRATOR}

# Model names that mean one thing in this project; third-party apps whose
# model names collide (django_celery_beat, authtoken) are left out.
PROJECT_APP_LABELS_EXCLUDED = {"admin", "sessions", "django_celery_beat", "authtoken", "contenttypes"}


def ensure_permissions(apps):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        # The migration registry's app configs carry no models module: mark
        # them, as post_migrate would, so the content types and permissions exist now.
        was = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_contenttypes(app_config, apps=apps, verbosity=0)
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = was


def grant(apps, schema_editor=None):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, table in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = {f"{action}_{model}" for model, actions in table.items() for action in actions}
        permissions = Permission.objects.filter(
            codename__in=codenames, content_type__model__in=table.keys(),
        ).exclude(content_type__app_label__in=PROJECT_APP_LABELS_EXCLUDED)
        group.permissions.add(*permissions)
