"""URL of the correction page, included before the admin's own URLs."""
from django.urls import path

from officials.correction_admin import admin_correct_view

urlpatterns = [path("<int:pk>/correct/", admin_correct_view, name="points_event_correct")]
