"""Signals an appeal's moments send, so that other apps (notices) tell people without appeals knowing them.

Each is sent by ``appeals.services`` inside the transaction of the step, after the appeal and its
transition are saved, with ``appeal`` and ``at`` (the moment of the step). A receiver that raises
rolls the step back: the step never commits without what it tells.
"""
from django.dispatch import Signal

# An appeal was filed (the citizen, and the reporting agency when ``appeal.source_due`` is set, are told).
appeal_filed = Signal()

# A deadline passed unanswered: the deduction is suspended and the appeal is in the supervisors'
# queue. Also sends ``reasons`` (which deadline, and that the deduction is suspended).
appeal_escalated = Signal()

# The appeal was upheld, rejected or withdrawn by the citizen; its written reasons are ``appeal.decision_reasons``.
appeal_decided = Signal()
