"""Hand-over: whoever took the caller's question owns it until it is answered
or formally handed over (seeds/000: 首问负责制; seeds/001). The owner (or a
supervisor or manager) names the new owner and why; the object keeps its
state; the history says who handed it to whom, and the new owner is told.
A closed object is answered: nothing to hand over (409)."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from servicedesk.accounts.models import User
from servicedesk.accounts.roles import Role
from servicedesk.core.errors import ValidationFailed
from servicedesk.core.transitions import Machine, run_state_kept
from servicedesk.notifications.services import notifications_create
from servicedesk.notifications.titles import Title

#: roles that may own a caller's question
OWNER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.DISPATCHER, Role.HANDLER, Role.MANAGER})


def may_own_issues(user) -> bool:
    return user.is_active and user.has_role(*OWNER_ROLES)


def hand_over_targets() -> QuerySet:
    """Who may receive an issue: active users with an owner role."""
    return User.objects.filter(is_active=True, groups__name__in=OWNER_ROLES).distinct().order_by("username")


def hand_over_target_check(to) -> None:
    """Who may receive an issue (work orders, complaints and calls alike): an
    active user with a role that owns callers' questions; a 400 naming `to`
    if not."""
    if to is None:
        raise ValidationFailed(_("This field is required."), field="to", code="required")
    if not to.is_active:
        raise ValidationFailed(_("“%(name)s” is not an active user.") % {"name": to.username}, field="to",
                               code="hand_over_target_inactive")
    if not may_own_issues(to):
        raise ValidationFailed(
            _("Hand over only to an agent, dispatcher, supervisor, complaint handler or manager."), field="to",
            code="hand_over_target_role")


def hand_over_note(to, note: str) -> str:
    """The history row's note: the new owner, then why. Language-neutral, as
    the row outlives the language of whoever reads it."""
    return f"→ {to.display_name} ({to.username}): {note}"


def hand_over(machine: Machine, *, pk, by, to, note: str, already_owned: str,
              title: Callable[[object], Title], owner_field: str = "owner", lookup: str = "pk"):
    """Move `owner_field` of the object `pk` to `to`, through the runner.
    `note` is already checked non-blank; `already_owned` is the 400's message
    when `to` owns it already; `title(obj)` the new owner's notification, a
    notifications.titles.Title: its facts, said in the new owner's language
    when shown and mailed (issue 13, item 4), never a text finished here."""
    hand_over_target_check(to)
    holder = {}

    def check(obj):
        if getattr(obj, f"{owner_field}_id") == to.pk:
            raise ValidationFailed(already_owned % {"name": to.username}, field="to", code="already_owner")

    def change(obj, at):
        holder["previous"] = getattr(obj, owner_field)
        setattr(obj, owner_field, to)
        fields = [owner_field] + (["updated_at"] if any(f.name == "updated_at" for f in obj._meta.fields) else [])
        obj.save(update_fields=fields)
        # The inbox row in this transaction; its e-mail is queued after commit.
        notifications_create(recipients=[to], url=obj.get_absolute_url(), body=note, title=title(obj))

    def data(obj, _result):
        previous = holder["previous"]
        return {"from_owner": previous.username if previous else None, "to_owner": to.username}

    return run_state_kept(machine, pk=pk, action="hand-over", by=by, change=change, note=hand_over_note(to, note),
                          data=data, check=check, lookup=lookup)
