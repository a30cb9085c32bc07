from . import menu


def roles(request):
    """The user's roles and which sections the navigation offers them; each
    entry is registered by the app that owns the section (core/menu.py), with
    the selector that guards the section itself."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": [], "nav": {}}
    return {"user_roles": sorted(user.roles), "nav": menu.entries_for(user)}
