def roles(request):
    """The user's roles and which sections the navigation offers them; each
    answer comes from the selector that guards the section itself."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": [], "nav": {}}
    from calls.console import user_may_see_wallboard, user_may_use_console
    from billing.selectors.fees import nav_flags as billing_nav_flags
    from returns.selectors import nav_flags as returns_nav_flags
    from servicedesk.deadlines.selectors import user_may_see_dashboard
    from tickets.queue import user_may_see_dispatch_queue
    from tickets.selectors import user_may_read_work_orders

    return {
        "user_roles": sorted(user.roles),
        "nav": {"work_orders": user_may_read_work_orders(user), "dashboard": user_may_see_dashboard(user),
                "console": user_may_use_console(user), "callbacks": user_may_use_console(user),
                "wallboard": user_may_see_wallboard(user),
                "dispatch_queue": user_may_see_dispatch_queue(user),
                **billing_nav_flags(user), **returns_nav_flags(user)},
    }
