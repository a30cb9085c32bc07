"""The `logistics` role: checks the count and condition of factory returns
on arrival (issue 6, item 7; seeds/004)."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="logistics")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_unit_responsibility")]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
