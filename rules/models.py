"""Stored policy versions: every ledger entry names the version that produced it."""
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

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.hash[:12]
