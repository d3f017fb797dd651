"""Admin for four-eyes adjustments, and a read-only view of Django's admin action log.

Proposing uses the add form; approving and rejecting are buttons on a proposal's page that call
``officials.services``. Proposals are never edited or deleted.
"""
from axes import admin as axes_admin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import PersonReadsLogged
from citizens.masking import mask_resident_ids
from core.exceptions import ApplicationError

# The back office's screens over the register, the ledger, the policy and the access log: those apps
# sit below this one, so their admin registers here, when Django's admin discovers this module.
from officials import admin_audit, admin_citizens, admin_points, admin_rules  # noqa: F401
from officials.admin_mixins import ReadOnlyAdminMixin, citizen_link
from officials.models import AdjustmentProposal
from officials.services import (
    APPROVE_PERMISSION,
    PROPOSE_PERMISSION,
    adjustment_approve,
    adjustment_check,
    adjustment_propose,
    adjustment_reject,
)
from points.duties import holds


class ProposalForm(forms.ModelForm):
    """Citizen, points and reason; checked against the policy before anything is stored."""

    class Meta:
        model = AdjustmentProposal
        fields = ["citizen", "points", "reason"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            adjustment_check(citizen=data["citizen"], points=data["points"], reason=data["reason"])
        except ApplicationError as exc:
            errors = {k: v for k, v in exc.field_errors.items() if k in self.fields}
            raise ValidationError(errors or exc.message) from None
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), strip=True)


@admin.register(AdjustmentProposal)
class AdjustmentProposalAdmin(PersonReadsLogged, admin.ModelAdmin):
    list_display = ["id", "citizen_display", "points", "status", "proposed_by", "proposed_at", "decided_by"]
    list_filter = ["status", ("proposed_at", admin.DateFieldListFilter)]
    list_select_related = ["citizen", "proposed_by", "approved_by", "rejected_by"]
    search_fields = ["=citizen__resident_id"]
    raw_id_fields = ["citizen"]
    form = ProposalForm
    change_form_template = "admin/officials/adjustmentproposal/change_form.html"
    readonly_fields = ["citizen", "points", "reason", "status", "proposed_by", "proposed_at", "approved_by",
                       "approved_at", "rejected_by", "rejected_at", "rejection_reason", "event"]

    @admin.display(description=_("citizen"))
    def citizen_display(self, obj):
        return citizen_link(obj.citizen)

    @admin.display(description=_("decided by"))
    def decided_by(self, obj):
        user = obj.approved_by or obj.rejected_by
        return user.get_username() if user else "—"

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj else ProposalForm.Meta.fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_changeform_initial_data(self, request):
        return {"citizen": request.GET.get("citizen")}

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        proposal = adjustment_propose(citizen=obj.citizen, points=obj.points, reason=obj.reason, user=request.user)
        obj.pk, obj.proposed_at, obj.proposed_by = proposal.pk, proposal.proposed_at, proposal.proposed_by

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/approve/", wrap(self.approve_view), name="officials_adjustmentproposal_approve"),
            path("<int:pk>/reject/", wrap(self.reject_view), name="officials_adjustmentproposal_reject"),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return holds(request.user, PROPOSE_PERMISSION)

    def _may_decide(self, request):
        return holds(request.user, APPROVE_PERMISSION)

    def approve_view(self, request, pk):
        if request.method != "POST" or not self._may_decide(request):
            raise PermissionDenied
        proposal = get_object_or_404(AdjustmentProposal, pk=pk)
        try:
            proposal = adjustment_approve(proposal=proposal, user=request.user)
            self.log_change(request, proposal, "Approved and applied")
            self.message_user(request, f"Adjustment #{pk} approved and applied ({proposal.points:+d} points).",
                              messages.SUCCESS)
        except ApplicationError as exc:
            self.message_user(request, f"Adjustment #{pk} not approved: {exc.message}", messages.ERROR)
        return redirect("admin:officials_adjustmentproposal_change", pk)

    def reject_view(self, request, pk):
        if not self._may_decide(request):
            raise PermissionDenied
        proposal = get_object_or_404(AdjustmentProposal.objects.select_related("citizen"), pk=pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                adjustment_reject(proposal=proposal, user=request.user, reason=form.cleaned_data["reason"])
                self.log_change(request, proposal, f"Rejected: {form.cleaned_data['reason']}")
                self.message_user(request, f"Adjustment #{pk} rejected.", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"Adjustment #{pk} not rejected: {exc.message}", messages.ERROR)
            return redirect("admin:officials_adjustmentproposal_change", pk)
        context = {**self.admin_site.each_context(request), "proposal": proposal, "form": form,
                   "opts": self.opts, "title": f"Reject adjustment #{pk}"}
        return TemplateResponse(request, "admin/officials/adjustmentproposal/reject.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_object(request, object_id)
        extra = {
            "may_decide": bool(proposal) and proposal.status == AdjustmentProposal.Status.PENDING
            and self._may_decide(request),
            "is_proposer": bool(proposal) and proposal.proposed_by_id == request.user.pk,
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who did what in the admin (Django's own action log), for auditors."""

    list_display = ["action_time", "user", "content_type", "object_masked", "action_flag", "message_masked"]
    list_filter = ["action_flag", "content_type", ("action_time", admin.DateFieldListFilter)]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "user__username"]
    show_full_result_count = False

    # A citizen's entry is named "Name (resident ID)": lists show the ID masked (citizens.masking).
    @admin.display(description=_("object"), ordering="object_repr")
    def object_masked(self, obj):
        return mask_resident_ids(obj.object_repr)

    @admin.display(description=_("change message"))
    def message_masked(self, obj):
        return mask_resident_ids(obj.get_change_message())


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """django-axes' lockout list, whose clean-up action works outside a sign-in request."""

    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        # axes' handler reads the time its sign-in signals stamp on the request; an admin action has none.
        request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)
