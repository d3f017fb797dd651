"""The citizen's portal, at the site root. No URL carries a resident ID: the session says whose record it is."""
from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in_start, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-out/", views.sign_out_view, name="sign-out"),
    path("record/", views.record, name="record"),
    path("statement/", views.statement_html, name="statement"),
    path("statement.pdf", views.statement_pdf_download, name="statement-pdf"),
    path("events/<int:event_id>/appeal/", views.appeal_new, name="appeal-new"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<int:appeal_id>/", views.appeal_detail, name="appeal"),
    path("appeals/<int:appeal_id>/withdraw/", views.appeal_withdraw_view, name="appeal-withdraw"),
    path("appeals/<int:appeal_id>/files/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("who-looked/", views.who_looked, name="who-looked"),
    path("notices/", views.notices, name="notices"),
]
