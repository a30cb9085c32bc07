def roles(request):
    user = getattr(request, "user", None)
    return {"user_roles": sorted(user.roles) if user is not None and user.is_authenticated else []}
