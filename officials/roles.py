"""The three official roles as data: group name -> the exact permissions it holds.

``manage.py setup_roles`` makes the groups match this table (idempotent). Users also need
``is_staff`` to sign in to the admin; superusers hold every permission Django knows, but even
they cannot add, change or delete ledger entries (the admin refuses).
"""

VIEW_RECORDS = [
    "citizens.view_citizen",
    "points.view_event",
    "points.view_ledgerentry",
    "points.view_gradechange",
    "points.view_agency",
    "officials.view_adjustmentproposal",
    "appeals.view_appeal",
    "notices.view_notice",
]
VIEW_POLICY = ["rules.view_policyversion", "officials.view_policy"]
VIEW_DASHBOARD = ["officials.view_dashboard"]

ROLES = {
    # View, retract, propose and approve adjustments (never one's own); file and decide appeals, correct events.
    "Officials": [
        *VIEW_RECORDS, *VIEW_POLICY, *VIEW_DASHBOARD,
        "officials.retract_event",
        "officials.add_adjustmentproposal",
        "officials.approve_adjustmentproposal",
        "appeals.add_appeal",
        "appeals.decide_appeal",
        "appeals.correct_event",
    ],
    # View only, including the access logs (Django's admin log and the record-access log).
    "Auditors": [*VIEW_RECORDS, *VIEW_POLICY, *VIEW_DASHBOARD, "admin.view_logentry", "audit.view_accesslog"],
    # View the policy and the dashboards, nothing about individual people.
    "Policy authors": [*VIEW_POLICY, *VIEW_DASHBOARD],
}
