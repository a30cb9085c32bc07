def complaint_links(request):
    """Which complaint pages the header and the complaint tabs link to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from . import selectors

    return {"complaint_links": {
        "read": selectors.user_may_read_complaints(user),
        "create": selectors.user_may_create_complaints(user),
        "queue": selectors.may_see_queue(user),
        "overview": selectors.may_see_overview(user),
        "case_studies": selectors.may_read_case_studies(user),
        "findings": selectors.may_see_findings(user),
        "handler": user.has_role("handler"),
        "hr": user.has_role("hr"),
    }}
