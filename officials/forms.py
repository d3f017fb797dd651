"""The admin login form with a TOTP code, used when ``OTP_REQUIRED`` is on."""
from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice


class OfficialAuthenticationForm(OTPAdminAuthenticationForm):
    """Username, password and the six-digit code of the official's authenticator, on one page.

    An official has one TOTP device, so there is no device to choose; one without a device is told
    how to get one. django-otp refuses a code already used (no replay) and slows down repeated
    wrong codes for the device.
    """

    otp_token = forms.CharField(
        label=_("Authenticator code"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _("Enter the six-digit code your authenticator app shows."),
        "invalid_token": _("That authenticator code is wrong or has already been used; enter the current one."),
    }
    no_device_message = _(
        "No authenticator is enrolled for %(username)s. Ask a superuser to enrol one "
        "(manage.py otp_enrol %(username)s) and hand you its key in person."
    )

    def clean_otp(self, user):
        if user is not None and not user_has_device(user):
            raise forms.ValidationError(self.no_device_message, code="no_device",
                                        params={"username": user.get_username()})
        super().clean_otp(user)

    def _chosen_device(self, user):
        # Locked (clean_otp runs in a transaction) so two logins cannot both spend one code.
        return TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
