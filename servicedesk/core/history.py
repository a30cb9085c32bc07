"""Immutable history rows: who, when, from, to, why (style.md, Oscar's
status-change rows). Each state machine has its own concrete table built on
this base; rows can be added, never changed or removed. On PostgreSQL a
trigger (see core.migrations helpers) refuses UPDATE and DELETE as well."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImmutableRowError(Exception):
    pass


class TransitionRecord(models.Model):
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from state"), max_length=40, blank=True)
    to_state = models.CharField(_("to state"), max_length=40, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableRowError("History rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("History rows cannot be deleted.")


def immutable_table_sql(table):
    """RunSQL for PostgreSQL that makes a history table append-only."""
    return (
        f"""
        CREATE OR REPLACE FUNCTION servicedesk_refuse_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'history rows are immutable (%)', TG_TABLE_NAME; END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION servicedesk_refuse_change();
        """,
        f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};",
    )
