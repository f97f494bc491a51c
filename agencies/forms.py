from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's Vietnamese catalogue lacks some login messages; ours carries them."""

    error_messages = {
        "invalid_login": _("Please enter a correct username and password. Both fields are case-sensitive."),
        "inactive": _("This account is inactive."),
    }
