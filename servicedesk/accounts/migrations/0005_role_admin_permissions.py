"""The supervisor and administrator groups get the admin permissions their
work needs (issue 13, item 2): servicedesk/accounts/role_permissions.py.
Models are found by model name in whatever app holds them (the returns
models are moving from `billing` to `returns`)."""

from django.db import migrations

from servicedesk.accounts.role_permissions import grant


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_logistics_role"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("deadlines", "0007_deadline_due_promised"),
        ("billing", "0004_return_technician_and_one_proposal"),
        ("customers", "0001_initial"),
        ("technicians", "0001_initial"),
        ("notifications", "0001_initial"),
        ("tickets", "0001_initial"),
        ("calls", "0004_close_stale_rings_schedule"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
