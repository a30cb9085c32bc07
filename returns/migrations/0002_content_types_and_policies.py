"""The moved models keep their content types: the django_content_type rows
of billing's returns models are renamed to this app (their ids, and so the
deadlines that point at returns through them and the permissions given on
them, stay), and the SLA policies keyed by model label follow
("billing.returnrequest" -> "returns.returnrequest"). Reversible."""

from django.db import migrations

MODELS = ["returnrule", "returnrequest", "returnevent", "returnwindow", "factoryreturn", "factoryreturnitem",
          "factoryreturnevent"]


def move(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Deadline = apps.get_model("deadlines", "Deadline")
    SlaPolicy = apps.get_model("deadlines", "SlaPolicy")
    for model in MODELS:
        SlaPolicy.objects.filter(subject=f"{source}.{model}").update(subject=f"{target}.{model}")
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue  # a database created after the move: no row to carry
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
        else:
            # Both exist (the target was created by a migrate run in between): the deadlines follow
            # the target; the stale row is left for remove_stale_contenttypes.
            Deadline.objects.filter(content_type_id=old.pk).update(content_type_id=new.pk)
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    move(apps, "billing", "returns")


def backwards(apps, schema_editor):
    move(apps, "returns", "billing")


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("deadlines", "0005_more_policies"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
