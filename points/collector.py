"""Python's cycle collector, tuned for the length of a bulk run.

A bulk run makes millions of short-lived objects and almost no reference cycles. With
Python's default thresholds (700, 10, 10) the collector ran every few reports and, now and
then, walked the whole heap, including whatever the caller holds (in ``bench/ingest.py`` the
million lines): 43 µs a report, a fifth of the ingest's Python time. Inside
``quiet_collector`` the objects that already exist are frozen (never scanned again: they
outlive the run) and a young collection waits for 10,000 new objects instead of 700; the
collector then took 7-11 µs a report. Cycles are still collected, only later.
"""
import gc
from contextlib import contextmanager

THRESHOLDS = (10_000, 10, 10)


@contextmanager
def quiet_collector():
    """Run the body with the collector's bulk settings; restore the previous ones after."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
