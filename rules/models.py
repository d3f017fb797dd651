"""Stored policy versions and simulation runs: every ledger entry names the version that produced it."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


class PolicyVersion(models.Model):
    """One exact set of policy files, identified by the hash of their content."""

    hash = models.CharField(_("hash"), max_length=64, unique=True)
    files = models.JSONField(_("files"), help_text=_("File name to file content, exactly as loaded."))
    source = models.CharField(_("source"), max_length=300, blank=True, help_text=_("Directory the files came from."))
    author = models.CharField(_("author"), max_length=150, blank=True)
    message = models.TextField(_("message"), blank=True)
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Published with 'manage.py rules publish'."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(
        _("published at"),
        null=True, blank=True, db_index=True,
        help_text=_("When it was (last) published; the newest published version is in force."),
    )
    test_files = models.JSONField(
        _("test files"),
        default=dict, blank=True, help_text=_("The test cases it passed when published (not part of the hash).")
    )
    retroactive = models.BooleanField(
        _("retroactive"), default=False, help_text=_("Past events were re-scored when published."),
    )

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return pgettext("policy version", "Version %(number)s") % {"number": self.number}

    @property
    def number(self) -> int:
        """The version's place among the stored versions, oldest first (1, 2, 3...); it never changes."""
        return PolicyVersion.objects.filter(created_at__lte=self.created_at, id__lte=self.id).count()


class SimulationRun(models.Model):
    """A 'manage.py rules simulate' run: publishing with --retroactive requires one for the same draft."""

    policy_hash = models.CharField(
        _("policy hash"), max_length=64, db_index=True, help_text=_("Version hash of the simulated draft."),
    )
    base_hash = models.CharField(
        _("base hash"), max_length=64, help_text=_("Version in force when the simulation ran."),
    )
    since = models.DateField(
        _("since"), null=True, blank=True, help_text=_("Only events on or after this day were replayed."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    author = models.CharField(_("author"), max_length=150, blank=True)
    summary = models.JSONField(_("summary"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"simulation of {self.policy_hash[:12]} at {self.created_at:%Y-%m-%d %H:%M}"
