"""Forms officials fill in to file and decide appeals (the services do the rest)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal
from points.models import Event


class AppealFileForm(forms.Form):
    event = forms.IntegerField(label=_("Event number"), min_value=1,
                               help_text=_("The number of the contested event, as shown on the citizen's ledger."))
    grounds = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
                              help_text=_("Why the citizen says the record is wrong, in their words."))
    claim = forms.ChoiceField(label=_("Claim"), choices=Appeal.Claim.choices, initial=Appeal.Claim.WRONG,
                              required=False)

    def clean_claim(self):
        return self.cleaned_data["claim"] or Appeal.Claim.WRONG

    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("One reference a line (receipt, transfer, file number); required for a "
                                           "claim of payment."))
    late_reason = forms.CharField(label=_("Reason to accept a late appeal"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Required when the citizen's time to appeal has passed."))

    def clean_evidence(self):
        return [line.strip() for line in self.cleaned_data["evidence"].splitlines() if line.strip()]

    def clean_event(self):
        try:
            return Event.objects.select_related("citizen").get(pk=self.cleaned_data["event"])
        except Event.DoesNotExist:
            raise forms.ValidationError(_("No event with this number.")) from None


class AppealDecisionForm(forms.Form):
    ACTIONS = [("review", _("Start the review")), ("uphold", _("Uphold: void the event, restore the points")),
               ("reject", _("Reject: the record stands"))]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
                              help_text=_("Required to uphold or reject; shown on the citizen's statement."))
