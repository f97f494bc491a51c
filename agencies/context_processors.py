from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    """What the navigation bar needs: the user's agency and role flags."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"nav_agency": user.agency, "nav_is_snv": user.is_snv, "nav_sees_all": user.sees_everything}
