"""The admin page that corrects an event (``points.corrections.event_correct``): thin, the service decides.

Served at ``/admin/points/event/<id>/correct/`` (``officials.correction_urls``), linked from the event's page.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from core.exceptions import ApplicationError
from points.corrections import event_correct
from points.duties import holds
from points.models import Event

PERMISSION = "appeals.correct_event"


class CorrectionForm(forms.Form):
    attributes = forms.JSONField(widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
                                 help_text="The event's attributes as they should have been (JSON).")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
                             help_text="Why the event is corrected; shown on the citizen's record.")

    def clean_attributes(self):
        value = self.cleaned_data["attributes"]
        if not isinstance(value, dict):
            raise forms.ValidationError("Give the attributes as a JSON object.")
        return value


def correct_view(request, pk):
    event = get_object_or_404(Event.objects.select_related("citizen", "agency"), pk=pk)
    form = CorrectionForm(request.POST or None, initial={"attributes": event.attributes})
    if request.method == "POST" and form.is_valid():
        try:
            result = event_correct(event=event, attributes=form.cleaned_data["attributes"],
                                   reason=form.cleaned_data["reason"], by=request.user.get_username(),
                                   user=request.user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            for field, problems in exc.field_errors.items():
                form.add_error(None, f"{field}: {'; '.join(problems)}")
        else:
            new = result.report.event
            messages.success(request, f"Event #{event.pk} voided and reported again as event #{new.pk}; "
                                      f"score now {result.report.score}.")
            return redirect("admin:points_event_change", new.pk)
    context = {**admin.site.each_context(request), "title": f"Correct event #{event.pk}", "event": event,
               "form": form, "opts": Event._meta}
    return TemplateResponse(request, "admin/points/event/correct.html", context)


def _may_correct(user) -> bool:
    if not holds(user, PERMISSION):  # the role's permission; superuser status grants no duty
        raise PermissionDenied
    return True


admin_correct_view = admin.site.admin_view(user_passes_test(_may_correct)(correct_view))
