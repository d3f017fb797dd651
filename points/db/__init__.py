"""The speed wall: everything that makes bulk writes fast, and nothing else, lives here.

``bulk`` (COPY, one-statement locks and updates, cheap instances, statements sent together), ``lookups`` (``__any``),
``loaders`` (psycopg's compiled timestamp loader), ``collector`` (the cycle collector's settings for a
bulk run) and ``tuning`` (what the ingest command switches on for its run). Application code calls
``bulk`` and ``lookups``; only the ingest command (``tuning.bulk_run``) touches process-wide state.
"""
