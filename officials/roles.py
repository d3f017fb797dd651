"""The three official roles as data: group name -> the exact permissions it holds.

``manage.py setup_roles`` makes the groups match this table (idempotent). The same permissions
decide in the admin and in the API (``api/permissions.py``; ``points.duties.holds``). Users also
need ``is_staff``. A superuser holds every permission in Django's own admin screens, but
``points.duties.holds`` ignores superuser status: retracting, correcting, approving, filing and
deciding — and every API call — need the role's permissions like anyone else's.
"""

VIEW_RECORDS = [
    "citizens.view_citizen",
    "points.view_event",
    "points.view_ledgerentry",
    "points.view_gradechange",
    "points.view_agency",
    "officials.view_adjustmentproposal",
    "officials.view_eligibility",
    "appeals.view_appeal",
    "notices.view_notice",
    "notices.view_deliveryattempt",
]
VIEW_POLICY = ["rules.view_policyversion", "officials.view_policy"]
VIEW_DASHBOARD = ["officials.view_dashboard"]

ROLES = {
    # View, retract, propose and approve adjustments (never one's own); file and decide appeals
    # (never one's own filing), correct events.
    "Officials": [
        *VIEW_RECORDS, *VIEW_POLICY, *VIEW_DASHBOARD,
        "officials.retract_event",
        "officials.add_adjustmentproposal",
        "officials.approve_adjustmentproposal",
        "appeals.add_appeal",
        "appeals.decide_appeal",
        "appeals.correct_event",
        "notices.resend_notice",
    ],
    # View only, including the access logs (Django's admin log and the record-access log).
    "Auditors": [*VIEW_RECORDS, *VIEW_POLICY, *VIEW_DASHBOARD, "admin.view_logentry", "audit.view_accesslog"],
    # View the policy and the dashboards (aggregates), nothing about individual people.
    "Policy authors": [*VIEW_POLICY, *VIEW_DASHBOARD],
}
