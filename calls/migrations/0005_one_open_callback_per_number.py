import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def number_from_call(apps, schema_editor):
    """Each callback gets its call's number. Where one number has several open
    callbacks already (before the rule), the oldest takes the number and the
    others keep theirs blank: they stay as they are, workable, outside the
    one-open-per-number index, and nothing is closed without a person."""
    Callback = apps.get_model("calls", "Callback")
    seen = set()
    for callback in Callback.objects.select_related("call").order_by("created_at", "id").iterator():
        number = callback.call.caller
        if not number:
            continue
        if callback.state in ("open", "taken"):
            if number in seen:
                continue
            seen.add(number)
        Callback.objects.filter(pk=callback.pk).update(number=number)


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0004_close_stale_rings_schedule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='call',
            name='joined_callback',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='joined_calls', to='calls.callback', verbose_name='added to callback'),
        ),
        migrations.AddField(
            model_name='callback',
            name='missed_calls',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='missed calls'),
        ),
        migrations.AddField(
            model_name='callback',
            name='number',
            field=models.CharField(blank=True, max_length=20, verbose_name='caller'),
        ),
        migrations.RunPython(number_from_call, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='callback',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ['open', 'taken']), models.Q(('number', ''), _negated=True)), fields=('number',), name='callback_open_per_number'),
        ),
    ]
