# The work order's number completed by the database (issue 18): the create
# INSERTs the prefix WO + the local day (tickets.models.number_prefix); on
# PostgreSQL this BEFORE INSERT trigger appends the new id, at least six
# digits, and the INSERT's RETURNING hands the number back (NumberField), so
# the create needs no UPDATE after it. A number that is not a bare prefix
# (a full number, or none) is left as given. SQLite: no trigger; the service
# completes the number with one UPDATE.

from django.db import migrations

from servicedesk.core.pgsql import on_postgresql

import tickets.models

CREATE = r"""
CREATE OR REPLACE FUNCTION tickets_workorder_number() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF NEW.number ~ '^WO[0-9]{8}$' THEN
        NEW.number := NEW.number || lpad(NEW.id::text, greatest(6, length(NEW.id::text)), '0');
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tickets_workorder_number BEFORE INSERT ON tickets_workorder
    FOR EACH ROW EXECUTE FUNCTION tickets_workorder_number();
"""

DROP = """
DROP TRIGGER IF EXISTS tickets_workorder_number ON tickets_workorder;
DROP FUNCTION IF EXISTS tickets_workorder_number();
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_appointment_end_awaiting_approval")]

    operations = [
        migrations.AlterField(
            model_name="workorder",
            name="number",
            field=tickets.models.NumberField(blank=True, max_length=24, null=True, unique=True,
                                             verbose_name="number"),
        ),
        on_postgresql(CREATE, DROP),
    ]
