"""The citizen's forms. File uploads are checked for size and content by ``appeals.evidence``."""
from django import forms
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal
from citizens.models import Citizen


class ResidentIdForm(forms.Form):
    resident_id = forms.CharField(label=_("Your resident ID number"), max_length=30, widget=forms.TextInput(
        attrs={"autocomplete": "username", "inputmode": "text", "autocapitalize": "characters"}))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("The code you received"), max_length=30, widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; none is fine (evidence is optional unless the claim is payment)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,"
                                                                       "image/jpeg,image/png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class AppealForm(forms.Form):
    claim = forms.ChoiceField(label=_("What do you say?"), choices=Appeal.Claim.choices, initial=Appeal.Claim.WRONG,
                              widget=forms.RadioSelect)
    grounds = forms.CharField(label=_("Why: your grounds, in your own words"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 6}))
    files = MultipleFileField(label=_("Evidence (PDF, JPG or PNG, at most 10 MB each)"))


class WithdrawForm(forms.Form):
    reasons = forms.CharField(label=_("Why you withdraw it (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ContactPreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(label=_("How should we reach you?"), choices=Citizen.Channel.choices,
                                          widget=forms.RadioSelect)
    contact_consent = forms.BooleanField(label=_("I agree to receive notices by email or text message"),
                                         required=False)
