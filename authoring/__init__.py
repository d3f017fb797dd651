"""Tools for policy authors: check, test, simulate, publish and diff policy versions.

``manage.py rules ...`` only parses arguments and calls these modules. Scoring always goes
through ``points.ledger.plan_rule_entries`` (see ``points.replay``), never a second implementation.
"""
