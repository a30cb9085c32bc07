"""The emergencies' ids alone, for the 30-minute measure's join
(docs/benchmarks.md, Measures): a partial index of about 2 MB read in
~1,600 pages where the (kind, reported_at) index took ~22,000 for the same
100,000 ids of a million orders. Created here for the same reason as 0004."""

from django.db import migrations

SQL = "CREATE INDEX IF NOT EXISTS measures_wo_emergency ON tickets_workorder (id) WHERE kind = 'emergency'"


class Migration(migrations.Migration):
    dependencies = [("measures", "0004_covering_indexes")]
    operations = [migrations.RunSQL(SQL, "DROP INDEX IF EXISTS measures_wo_emergency")]
