def roles(request):
    """The user's roles and which sections the navigation offers them; each
    answer comes from the selector that guards the section itself."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": [], "nav": {}}
    from servicedesk.deadlines.selectors import user_may_see_dashboard
    from tickets.selectors import user_may_read_work_orders

    return {
        "user_roles": sorted(user.roles),
        "nav": {"work_orders": user_may_read_work_orders(user), "dashboard": user_may_see_dashboard(user)},
    }
