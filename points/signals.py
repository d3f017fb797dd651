"""Signals the ledger sends, so that other apps (notices) can react without the core knowing them."""
from django.dispatch import Signal

# Sent by ``points.writer.save_standings`` inside the writing transaction, before the new scores
# and grades are stored, with ``changes`` (a list of ``(citizen, new_entries)`` pairs in the order
# they happened; ``citizen.grade`` is still the grade before them), ``policy`` and ``at``.
# A receiver that raises rolls the whole write back.
standings_changing = Signal()

# Sent by ``points.selectors.citizen_eligibility`` (the answer a service office gets) with
# ``citizen`` and ``decisions``; notices tells the person of a service refused or under review.
eligibility_answered = Signal()
