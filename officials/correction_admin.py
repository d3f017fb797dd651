"""The admin page that corrects an event (``points.corrections.event_correct``): thin, the service decides.

Served at ``/admin/points/event/<id>/correct/`` (``officials.correction_urls``), linked from the event's page.
The attributes are typed fields generated from the event type's schema (``officials.attribute_forms``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from officials.attribute_forms import attribute_fields, attribute_initial, attributes_from, field_for_error
from officials.labels import event_type_title
from points.corrections import event_correct
from points.duties import holds
from points.models import Event

PERMISSION = "appeals.correct_event"


class CorrectionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), label=gettext_lazy("Reason"),
                             help_text=gettext_lazy("Why the event is corrected; shown on the citizen's record."))

    def __init__(self, *args, event_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = attribute_fields(event_type) if event_type is not None else {}
        self.fields = {**fields, "reason": self.fields["reason"]}

    def attribute_errors(self, exc: ApplicationError) -> None:
        """The service's refusal, on the attribute fields it names (elsewhere, above the form)."""
        placed = False
        for key, problems in exc.field_errors.items():
            name = field_for_error(key)
            if name in self.fields:
                self.add_error(name, problems)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


def _event_type(event):
    from rules.registry import current_policy

    return current_policy().event_types.get(event.event_type)


def correct_view(request, pk):
    event = get_object_or_404(Event.objects.select_related("citizen", "agency"), pk=pk)
    event_type = _event_type(event)
    initial = attribute_initial(event_type, event.attributes) if event_type else {}
    form = CorrectionForm(request.POST or None, event_type=event_type, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = event_correct(event=event, attributes=attributes_from(form.cleaned_data),
                                   reason=form.cleaned_data["reason"], by=request.user.get_username(),
                                   user=request.user)
        except ApplicationError as exc:
            form.attribute_errors(exc)
        else:
            new = result.report.event
            messages.success(request, _("Event #%(old)s voided and reported again as event #%(new)s; score now "
                                        "%(score)s.") % {"old": event.pk, "new": new.pk, "score": result.report.score})
            return redirect("admin:points_event_change", new.pk)
    context = {**admin.site.each_context(request), "title": _("Correct event #%(id)s") % {"id": event.pk},
               "event": event, "event_title": event_type_title(event.event_type), "form": form,
               "opts": Event._meta}
    return TemplateResponse(request, "admin/points/event/correct.html", context)


def _may_correct(user) -> bool:
    if not holds(user, PERMISSION):  # the role's permission; superuser status grants no duty
        raise PermissionDenied
    return True


admin_correct_view = admin.site.admin_view(user_passes_test(_may_correct)(correct_view))
