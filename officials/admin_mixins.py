"""Small pieces shared by the admin modules: read-only behaviour, links, grade badges."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from citizens.masking import mask_resident_id
from officials.charts import GRADE_COLOURS


class ReadOnlyAdminMixin:
    """No adding, changing or deleting through the admin, for anyone (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def grade_badge(grade: str):
    """A coloured badge with the grade letter (the letter carries the meaning, not the colour)."""
    if not grade:
        return mark_safe('<span class="grade-badge grade-none" title="not enrolled">—</span>')
    return format_html(
        '<span class="grade-badge grade-{}" style="display:inline-block;min-width:1.6em;text-align:center;'
        'border-radius:3px;padding:1px 4px;color:#fff;font-weight:bold;background:{}" title="grade {}">{}</span>',
        grade, GRADE_COLOURS.get(grade, "#777"), grade, grade,
    )


def citizen_link(citizen):
    """A link to the citizen's detail page, showing the name and the masked resident ID (for lists)."""
    url = reverse("admin:citizens_citizen_change", args=[citizen.pk])
    return format_html('<a href="{}">{}</a> <span class="quiet">{}</span>', url, citizen.name,
                       mask_resident_id(citizen.resident_id))


@admin.display(description=_("citizen"), ordering="citizen__resident_id")
def citizen_column(obj):
    """A changelist column for a model with a ``citizen``: the link with the masked resident ID."""
    return citizen_link(obj.citizen)
