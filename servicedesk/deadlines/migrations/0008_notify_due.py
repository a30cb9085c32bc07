# Escalation on time (issue 18, servicedesk/deadlines/waker.py): on PostgreSQL,
# every INSERT or UPDATE statement on the deadline table sends, at commit, the
# earliest next step it wrote on the channel `deadline_due` (epoch seconds), when
# that step falls within the next ten minutes; the workers' wakers LISTEN and
# sleep until then. Statement-level with a transition table: one notification per
# statement, whatever its row count; nothing at all for steps further away (the
# waker reads the next step time itself at least every minute). SQLite: nothing
# (the waker polls there).

from django.db import migrations

from servicedesk.core.pgsql import on_postgresql

CREATE = """
CREATE OR REPLACE FUNCTION deadlines_notify_due() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    soonest timestamptz;
BEGIN
    SELECT min(next_escalation_at) INTO soonest FROM deadline_new_rows
     WHERE met_at IS NULL AND cancelled_at IS NULL AND next_escalation_at IS NOT NULL;
    IF soonest IS NOT NULL AND soonest < clock_timestamp() + interval '10 minutes' THEN
        PERFORM pg_notify('deadline_due', extract(epoch FROM soonest)::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER deadline_notify_due_insert AFTER INSERT ON deadlines_deadline
    REFERENCING NEW TABLE AS deadline_new_rows FOR EACH STATEMENT EXECUTE FUNCTION deadlines_notify_due();
CREATE TRIGGER deadline_notify_due_update AFTER UPDATE ON deadlines_deadline
    REFERENCING NEW TABLE AS deadline_new_rows FOR EACH STATEMENT EXECUTE FUNCTION deadlines_notify_due();
"""

DROP = """
DROP TRIGGER IF EXISTS deadline_notify_due_insert ON deadlines_deadline;
DROP TRIGGER IF EXISTS deadline_notify_due_update ON deadlines_deadline;
DROP FUNCTION IF EXISTS deadlines_notify_due();
"""


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0007_deadline_due_promised")]

    operations = [on_postgresql(CREATE, DROP)]
