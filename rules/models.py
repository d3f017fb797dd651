"""Stored policy versions and simulation runs: every ledger entry names the version that produced it."""
from django.db import models


class PolicyVersion(models.Model):
    """One exact set of policy files, identified by the hash of their content."""

    hash = models.CharField(max_length=64, unique=True)
    files = models.JSONField(help_text="File name to file content, exactly as loaded.")
    source = models.CharField(max_length=300, blank=True, help_text="Directory the files came from.")
    author = models.CharField(max_length=150, blank=True)
    message = models.TextField(blank=True)
    published = models.BooleanField(default=False, help_text="Published with 'manage.py rules publish'.")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="When it was (last) published; the newest published version is in force.",
    )
    test_files = models.JSONField(
        default=dict, blank=True, help_text="The test cases it passed when published (not part of the hash)."
    )
    retroactive = models.BooleanField(default=False, help_text="Past events were re-scored when published.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.hash[:12]


class SimulationRun(models.Model):
    """A 'manage.py rules simulate' run: publishing with --retroactive requires one for the same draft."""

    policy_hash = models.CharField(max_length=64, db_index=True, help_text="Version hash of the simulated draft.")
    base_hash = models.CharField(max_length=64, help_text="Version in force when the simulation ran.")
    since = models.DateField(null=True, blank=True, help_text="Only events on or after this day were replayed.")
    source = models.CharField(max_length=300, blank=True)
    author = models.CharField(max_length=150, blank=True)
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"simulation of {self.policy_hash[:12]} at {self.created_at:%Y-%m-%d %H:%M}"
