"""Who hears of the escalations of a sweep's batch, and what they read.

The inbox entries of a batch are one INSERT: the batch's escalations (id,
title, facts, link, and which group of people hears of it) joined in SQL to
the few groups of people (per target, unit and assignee: the supervisors
nearest the unit, the managers, leadership, or the assignee), instead of one
Notification object per person (issue 18, item 4). Their e-mail rows are one
INSERT ... SELECT from them joined to the recipients with an address. The
group robots hear of level 2 and up (notifications.robots).

A notification keeps its facts and says them in the reader's language when
shown (notifications/titles.py); `title` is the text in the sweep's language.
"""

import dataclasses
import json

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from servicedesk.accounts.models import Unit, User
from servicedesk.accounts.roles import Role
from servicedesk.accounts.selectors import unit_chain
from servicedesk.notifications.models import EmailDelivery, Notification
from servicedesk.notifications.robots import alerts_write as robot_alerts_write
from servicedesk.notifications.titles import Renderer, Title

from . import registry
from .models import EscalationStep

# The English messages, kept untranslated on the notification with its facts
# and said in the reader's language when shown (notifications/titles.py).
WARNING = gettext_noop("Due soon: %(subject)s, %(kind)s at %(due)s")
OVERDUE = gettext_noop("Overdue (level %(level)d): %(subject)s, %(kind)s was due %(due)s")

# The whole reference people know an object by, where it is not str(obj):
# a call's str() cuts its id to 12 characters.
REFERENCES = {"call": lambda call: call.call_id, "callback": lambda callback: callback.call.call_id}


@dataclasses.dataclass
class Told:
    notes: int = 0
    delivery_ids: list = dataclasses.field(default_factory=list)
    alert_ids: list = dataclasses.field(default_factory=list)


class Notices:
    """Writes who is told of a batch's escalations. Made once per sweep: the units, the supervisors and
    managers, the groups of people per (target, unit, assignee) and the labels are read once for all its
    batches."""

    def __init__(self):
        self.units = None  # read at the first batch that tells anyone: a sweep with nothing due reads nothing
        self.by_role = {}
        self.groups = {}  # (target, unit id, assignee id) -> index into self.members
        self.members = []  # [recipient ids] per group
        self.render = Renderer()

    def _load(self):
        self.units = {u.pk: u for u in Unit.objects.all()}
        # distinct: someone in both groups would come back twice from the join, be notified twice
        # and break the (escalation, recipient) unique constraint, failing the whole batch for good.
        people = User.objects.filter(is_active=True, groups__name__in=[Role.SUPERVISOR, Role.MANAGER]).distinct()
        for pk, unit_id, role in people.order_by("pk").values_list("pk", "unit_id", "groups__name"):
            if role in (Role.SUPERVISOR, Role.MANAGER):
                self.by_role.setdefault(role, []).append((pk, unit_id))

    # --- who ----------------------------------------------------------------------------------

    def _nearest(self, role, unit_id):
        people = self.by_role.get(role, [])
        for uid in unit_chain(unit_id, self.units):
            found = [pk for pk, unit in people if unit == uid]
            if found:
                return found
        return [pk for pk, _ in people]

    def _people(self, target, unit_id, assignee_id):
        if target == "":  # warning: the assignee, else the supervisors
            return [assignee_id] if assignee_id else self._nearest(Role.SUPERVISOR, unit_id)
        if target == EscalationStep.Target.SUPERVISOR:
            return self._nearest(Role.SUPERVISOR, unit_id)
        if target == EscalationStep.Target.MANAGER:
            return self._nearest(Role.MANAGER, unit_id)
        # leadership: managers at headquarters, else every manager
        managers = [pk for pk, _ in self.by_role.get(Role.MANAGER, [])]
        hq = [
            pk
            for pk, unit in self.by_role.get(Role.MANAGER, [])
            if unit in self.units and self.units[unit].kind == Unit.Kind.HEADQUARTERS
        ]
        return hq or managers

    def group(self, target, unit_id, assignee_id) -> int:
        key = (target, unit_id, assignee_id)
        if key not in self.groups:
            self.groups[key] = len(self.members)
            self.members.append(self._people(target, unit_id, assignee_id))
        return self.groups[key]

    # --- what ---------------------------------------------------------------------------------

    def write(self, taken, rows) -> Told:
        """`taken`: [(escalation id, deadline id, level, target)]; `rows`: deadline id -> the batch's
        row (escalation.DUE_FIELDS)."""
        if not taken:
            return Told()
        if self.units is None:
            self._load()
        described = _describe(rows[deadline_id] for _, deadline_id, _, _ in taken)
        escalations, for_robots = [], []
        for pk, deadline_id, level, target in taken:
            _, _, _, _, _, due_at, ct_id, object_id, kind = rows[deadline_id]
            model, reference, url, unit_id, assignee_id = described[(ct_id, object_id)]
            params = {"subject": [model, reference], "kind": kind, "due": due_at.isoformat()}
            if level:
                params["level"] = level
            message = OVERDUE if level else WARNING
            title = self.render(message, params)
            escalations.append(
                (pk, self.group(target, unit_id, assignee_id), title[:200], message, json.dumps(params), url)
            )
            for_robots.append((pk, level, unit_id, Title(message, params), url))
        notes = _insert_notifications(escalations, self.members)
        alert_ids = robot_alerts_write(for_robots, units=self.units)
        return Told(notes, _queue_email([pk for pk, *_ in taken]), alert_ids)


def _describe(rows) -> dict:
    """(content type id, object id) -> (model name, reference, link, unit id, assignee id) of the
    objects behind the deadlines, one query per kind of object: the subject's registered `describe`
    (plain values), else its objects loaded (`load`) and asked. An object gone since is named by its id."""
    by_type = {}
    for row in rows:
        by_type.setdefault(row[6], set()).add(row[7])
    described = {}
    for ct_id, ids in by_type.items():
        content_type = ContentType.objects.get_for_id(ct_id)
        model = content_type.model_class()
        found = (registry.describe(model, ids) or _asked(model, ids)) if model is not None else {}
        for pk in ids:
            reference, url, unit_id, assignee_id = found.get(pk) or (f"#{pk}", "", None, None)
            described[(ct_id, pk)] = (content_type.model, reference, url, unit_id, assignee_id)
    return described


def _asked(model, ids) -> dict:
    answers = {}
    for pk, obj in registry.load(model, ids).items():
        unit_id, assignee = registry.responsible(obj)
        reference = REFERENCES.get(model._meta.model_name, str)(obj)
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
        answers[pk] = (reference, url, unit_id, assignee.pk if assignee is not None else None)
    return answers


def _insert_notifications(escalations, members) -> int:
    """One inbox entry per escalation and member of its group, in one INSERT ... SELECT joining the
    escalations to the groups' members (in chunks where the database takes few parameters: SQLite)."""
    if not escalations:
        return 0
    qn = connection.ops.quote_name
    meta = Notification._meta
    params_sql = "CAST(e.params AS jsonb)" if connection.vendor == "postgresql" else "e.params"
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    limit = connection.features.max_query_params if connection.vendor != "postgresql" else None
    written = 0
    chunk = len(escalations)
    if limit:
        chunk = max(1, (limit - 1 - 2 * sum(len(m) for m in members)) // 6)
    for start in range(0, len(escalations), chunk):
        part = escalations[start : start + chunk]
        used = sorted({e[1] for e in part})
        pairs = [(g, pk) for g in used for pk in members[g]]
        if not pairs:
            continue
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {qn(meta.db_table)} (recipient_id, title, message, params, body, url, escalation_id, "
                f"created_at) "
                f"WITH e(escalation_id, grp, title, message, params, url) AS (VALUES "
                f"{', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(part))}), "
                f"r(grp, recipient_id) AS (VALUES {', '.join(['(%s, %s)'] * len(pairs))}) "
                f"SELECT r.recipient_id, e.title, e.message, {params_sql}, '', e.url, e.escalation_id, %s "
                f"FROM e JOIN r ON r.grp = e.grp",
                [*(v for e in part for v in e), *(v for p in pairs for v in p), created],
            )
            written += cur.rowcount
    return written


def _queue_email(escalation_ids) -> list[int]:
    """One pending e-mail delivery per notification of these escalations whose
    recipient has an address, in one INSERT ... SELECT, and their ids. (Made
    as objects through bulk_create they cost a second of Python per 10,000
    escalations; see docs/benchmarks.md, Escalation sweep.)"""
    qn = connection.ops.quote_name
    delivery, note, user = EmailDelivery._meta, Notification._meta, User._meta
    returning = connection.features.can_return_rows_from_bulk_insert  # PostgreSQL, SQLite 3.35+

    def col(meta, name):
        return qn(meta.get_field(name).column)

    ids = []
    limit = connection.features.max_query_params if connection.vendor != "postgresql" else None
    chunk = (limit - 2) if limit else len(escalation_ids)
    for start in range(0, len(escalation_ids), chunk):
        part = escalation_ids[start : start + chunk]
        marks = ", ".join(["%s"] * len(part))
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {qn(delivery.db_table)} ({col(delivery, 'notification')}, {col(delivery, 'to')}, "
                f"{col(delivery, 'state')}, {col(delivery, 'attempts')}, {col(delivery, 'last_error')}, "
                f"{col(delivery, 'created_at')}) "
                f"SELECT n.{col(note, 'id')}, u.{col(user, 'email')}, %s, 0, '', %s "
                f"FROM {qn(note.db_table)} n "
                f"JOIN {qn(user.db_table)} u ON u.{col(user, 'id')} = n.{col(note, 'recipient')} "
                f"WHERE n.{col(note, 'escalation')} IN ({marks}) AND u.{col(user, 'email')} <> ''"
                + (f" RETURNING {col(delivery, 'id')}" if returning else ""),
                [EmailDelivery.State.PENDING, connection.ops.adapt_datetimefield_value(timezone.now()), *part],
            )
            ids += (
                [r[0] for r in cur.fetchall()]
                if returning
                else list(EmailDelivery.objects.filter(notification__escalation__in=part).values_list("pk", flat=True))
            )
    return sorted(ids)
