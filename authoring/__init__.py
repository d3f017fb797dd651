"""Tools for policy authors: check, test, simulate, publish and diff policy versions.

``manage.py rules ...`` only parses arguments and calls these modules. Scoring always goes
through ``points.scoring.plan`` (see ``points.replay``), never a second implementation.
"""
