from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _

# The username column of User and of django-axes' attempt log are 150 and 255 characters. Django's
# AuthenticationForm only copies the model's max_length onto the field after it is built, which adds
# no validator, so a 60,000-character username reached axes and failed its INSERT (a 500).
USERNAME_MAX_LENGTH = 150
# Hashing is the expensive step of a login; a megabyte of "password" would be work for nothing.
PASSWORD_MAX_LENGTH = 1024


class LoginForm(AuthenticationForm):
    """Django's Vietnamese catalogue lacks some login messages; ours carries them. Both fields are bounded."""

    username = UsernameField(
        max_length=USERNAME_MAX_LENGTH, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("Please enter a correct username and password. Both fields are case-sensitive."),
        "inactive": _("This account is inactive."),
    }
