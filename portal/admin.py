"""Sign-in codes in the admin: listed without their hashes, and the page that prints an activation letter."""
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citizens.models import Citizen
from portal.letters import activation_letter
from portal.models import SignInCode

LETTER_PERMISSION = "portal.add_signincode"


class LetterForm(forms.Form):
    resident_id = forms.CharField(label=gettext_lazy("Resident ID"), max_length=18)

    def clean_resident_id(self):
        citizen = Citizen.objects.filter(resident_id=self.cleaned_data["resident_id"].strip().upper()).first()
        if citizen is None:
            raise forms.ValidationError(_("No citizen with this resident ID."))
        return citizen


@admin.register(SignInCode)
class SignInCodeAdmin(admin.ModelAdmin):
    list_display = ("citizen", "channel", "created_at", "expires_at", "used_at", "failed_tries", "issued_by")
    list_filter = ("channel",)
    fields = ("citizen", "channel", "created_at", "expires_at", "used_at", "failed_tries", "issued_by")
    readonly_fields = fields
    list_select_related = ("citizen",)
    change_list_template = "admin/portal/signincode/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        letter = self.admin_site.admin_view(self.letter_view)
        return [path("letter/", letter, name="portal_activation_letter")] + super().get_urls()

    def letter_view(self, request):
        """Print an activation letter (a new code, valid once) for a citizen without email or mobile."""
        if not request.user.has_perm(LETTER_PERMISSION):
            raise PermissionDenied
        form = LetterForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            citizen = form.cleaned_data["resident_id"]
            pdf = activation_letter(citizen=citizen, by=request.user.get_username(),
                                    site_url=request.build_absolute_uri("/"))
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="activation-letter-{citizen.pk}.pdf"'
            return response
        context = {**self.admin_site.each_context(request), "title": _("Print an activation letter"), "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/portal/signincode/letter.html", context)
