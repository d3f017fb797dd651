"""Forms officials fill in to file and decide appeals (the services do the rest)."""
from django import forms

from points.models import Event


class AppealFileForm(forms.Form):
    event = forms.IntegerField(label="Event number", min_value=1,
                               help_text="The number of the contested event, as shown on the citizen's ledger.")
    grounds = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
                              help_text="Why the citizen says the record is wrong, in their words.")

    def clean_event(self):
        try:
            return Event.objects.select_related("citizen").get(pk=self.cleaned_data["event"])
        except Event.DoesNotExist:
            raise forms.ValidationError("No event with this number.") from None


class AppealDecisionForm(forms.Form):
    ACTIONS = [("review", "Start the review"), ("uphold", "Uphold: void the event, restore the points"),
               ("reject", "Reject: the record stands")]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.RadioSelect)
    reasons = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
                              help_text="Required to uphold or reject; shown on the citizen's statement.")
