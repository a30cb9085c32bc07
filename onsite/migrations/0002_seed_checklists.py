"""The checklist templates every installation starts with (onsite/seed.py:
seeds/001's safety and power-on tests, "12345", "five ones", the gas tests)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from onsite.seed import seed_templates

    seed_templates(apps.get_model("onsite", "ChecklistTemplate"), apps.get_model("onsite", "TemplateItem"))


class Migration(migrations.Migration):
    dependencies = [("onsite", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
