"""Who to tell: the people responsible for a unit, nearest first. Used by
escalations and by complaint class rises."""

from .models import Unit, User
from .roles import Role


def unit_chain(unit_id, units: dict | None = None) -> list[int]:
    """The unit and its ancestors' ids, nearest first. `units`: every unit by
    id, when the caller has read them once for many chains (a sweep's
    batches); else they are read here."""
    if units is None:
        units = {pk: Unit(pk=pk, parent_id=parent) for pk, parent in Unit.objects.values_list("id", "parent_id")}
    chain = []
    while unit_id is not None and unit_id in units and unit_id not in chain:
        chain.append(unit_id)
        unit_id = units[unit_id].parent_id
    return chain


def users_with_role(role) -> list:
    return list(User.objects.filter(is_active=True, groups__name=role).distinct())


def nearest_with_role(role, unit_id) -> list:
    """Users with `role` in the unit or its nearest ancestor that has any;
    everyone with the role where none of the chain has one."""
    people = users_with_role(role)
    for uid in unit_chain(unit_id):
        found = [u for u in people if u.unit_id == uid]
        if found:
            return found
    return people


def leadership() -> list:
    """Managers at headquarters; every manager where headquarters has none."""
    managers = users_with_role(Role.MANAGER)
    hq = set(Unit.objects.filter(kind=Unit.Kind.HEADQUARTERS).values_list("id", flat=True))
    return [u for u in managers if u.unit_id in hq] or managers
