from . import menu

# A menu of this many registered sections or more (a supervisor's, a manager's)
# folds its sections into groups (templates/base.html): flat, it took three or
# four lines at 1440 px in English. Shorter menus (an agent's, a dispatcher's)
# stay flat, every entry one click away.
GROUPED_FROM = 10
# The groups of registered sections (the complaints' group is the template's
# own: its links are not registered here). A group the user would see one
# entry of stays a plain link.
NAV_GROUPS = {
    "calls": ("console", "callbacks", "wallboard"),
    "dispatch": ("dispatch_board", "approvals", "roster", "dispatch_queue"),
    "surveys": ("survey_calls", "survey_follow_ups", "customer_requests"),
    "fees": ("fees", "returns", "factory_returns", "stock"),
}


def roles(request):
    """The user's roles and which sections the navigation offers them; each
    entry is registered by the app that owns the section (core/menu.py), with
    the selector that guards the section itself."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": [], "nav": {}, "nav_grouped": False, "nav_group": {}}
    nav = menu.entries_for(user)
    grouped = sum(nav.values()) >= GROUPED_FROM
    return {"user_roles": sorted(user.roles), "nav": nav, "nav_grouped": grouped,
            "nav_group": {group: grouped and sum(bool(nav.get(name)) for name in names) > 1
                          for group, names in NAV_GROUPS.items()}}
