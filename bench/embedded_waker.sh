#!/bin/bash
# Embedded mode (SQLite + file broker, nothing configured): a real worker whose deadline waker
# polls (no LISTEN without PostgreSQL) escalates a deadline due 3 s after it is written.
# Run by hand from the repository: bench/embedded_waker.sh (uses /tmp/emb/var; docs/benchmarks.md).
cd "$(dirname "$0")/.."
export -n DATABASE_URL REDIS_URL
unset DATABASE_URL REDIS_URL CI
export SERVICEDESK_VAR_DIR=/tmp/emb/var DEBUG=1 DEMO_PASSWORD=demo-servicedesk
rm -rf /tmp/emb/var; mkdir -p /tmp/emb
date; .venv/bin/python manage.py migrate --noinput -v0 && echo migrated
.venv/bin/celery -A servicedesk worker --loglevel=INFO --concurrency=1 > /tmp/emb/worker.log 2>&1 &
W=$!
for i in $(seq 60); do grep -q "ready." /tmp/emb/worker.log && break; sleep 1; done
grep -c "deadline waker started" /tmp/emb/worker.log
.venv/bin/python manage.py shell -c "
import datetime
from django.utils import timezone
from django.contrib.contenttypes.models import ContentType
from servicedesk.deadlines.models import Deadline, SlaPolicy
from tickets.models import WorkOrder
p = SlaPolicy.objects.get(code='work-order-arrive')
due = timezone.now() + datetime.timedelta(seconds=3)
d = Deadline.objects.create(content_type=ContentType.objects.get_for_model(WorkOrder), object_id=999999, kind='arrive', policy=p,
    started_at=timezone.now(), due_at=due, warn_at=due - datetime.timedelta(hours=1), warned_at=timezone.now(), next_escalation_at=due)
print('deadline', d.pk, 'due', due.isoformat())
"
sleep 8
.venv/bin/python manage.py shell -c "
from servicedesk.deadlines.models import Escalation
for e in Escalation.objects.all(): print('escalated level', e.level, 'lag', (e.at - e.due_at).total_seconds(), 's')
"
kill $W; wait $W 2>/dev/null; date
