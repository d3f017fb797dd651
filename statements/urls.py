"""Statement pages under /admin/statements/ (included before the admin's own URLs)."""
from django.urls import path

from statements import views

urlpatterns = [
    path("<str:resident_id>/", views.official_view(views.statement_html), name="statement-html"),
    path("<str:resident_id>/pdf/", views.official_view(views.statement_pdf_download), name="statement-pdf"),
]
