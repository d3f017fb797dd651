"""Python's cycle collector, tuned for the length of a bulk run.

A bulk run makes millions of short-lived objects and almost no reference cycles. With Python's
default thresholds (700, 10, 10) the collector runs every few reports and, now and then, walks the
whole heap, including whatever the caller holds (the lines of a file, the connection's caches).
Inside ``quiet_collector`` the objects that already exist are frozen (never scanned again: they
outlive the run) and a young collection waits for ``THRESHOLDS[0]`` new objects. Cycles are still
collected, only later. Only the ingest command uses it (``points.db.tuning``).
"""
import gc
from contextlib import contextmanager

THRESHOLDS = (10_000, 10, 10)


@contextmanager
def quiet_collector():
    """Run the body with the collector's bulk settings; restore the previous state exactly after.

    Objects are frozen only if none are yet: ``gc.unfreeze`` cannot thaw some frozen objects and
    leave others', so a caller that froze its own keeps them frozen and the run does without.
    """
    previous, enabled, freezing = gc.get_threshold(), gc.isenabled(), gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    gc.enable()
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        if freezing:
            gc.unfreeze()
        if not enabled:
            gc.disable()
