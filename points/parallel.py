"""The bulk ingest spread over several processes, each with its own connection (PostgreSQL).

Lines are routed by resident ID, so every person's reports go to one worker, in file order:
each worker locks only its own people, scores them exactly as ``events_ingest`` does, and no
two workers ever wait on the same citizen row. The parent reads the file, routes lines in
batches, shows progress and merges the workers' counts; rejected lines keep their numbers.

One difference from a single process: when two lines reuse one idempotency key for different
people (a conflict either way), which of them is applied is not defined; the other is rejected.
"""
import json
import multiprocessing
import queue
import traceback
import zlib

from django.db import connection, connections

from points.ingest import IngestReport, apply_batches
from points.writer import record_policy_version
from rules.registry import current_policy

_QUEUED_BATCHES = 4  # per worker: enough to keep it busy, little enough to bound memory
_POLL_SECONDS = 1.0


class ParallelIngestError(RuntimeError):
    """A worker failed; batches it committed before stay (re-running the file is safe)."""


def events_ingest_parallel(*, lines, workers: int, batch_size: int = 500, progress=None, now=None,
                           before_batch=None) -> IngestReport:
    """``events_ingest`` with ``workers`` processes; see the module docstring."""
    if connection.vendor != "postgresql":
        raise ValueError("Several ingest workers need PostgreSQL (SQLite has a single writer).")
    record_policy_version(current_policy())  # once, before workers could race to record it
    connections.close_all()  # a forked child must not share the parent's connection
    pool = _Pool(workers, batch_size, now, progress, before_batch)
    try:
        pool.route(lines)
        return pool.collect()
    finally:
        pool.stop()


class _Pool:
    """Worker processes, a bounded inbox each, and one outbox for progress and results."""

    def __init__(self, workers, batch_size, now, progress, before_batch):
        context = multiprocessing.get_context("fork")
        self.batch_size, self.progress = batch_size, progress
        self.inboxes = [context.Queue(maxsize=_QUEUED_BATCHES) for _ in range(workers)]
        self.outbox = context.Queue()
        self.results = []
        self.processes = [context.Process(target=_work, args=(inbox, self.outbox, now, before_batch),
                                          daemon=True)
                          for inbox in self.inboxes]
        for process in self.processes:
            process.start()

    def route(self, lines) -> None:
        batches = [[] for _ in self.inboxes]
        for number, text in lines:
            worker = _worker_for(text, len(self.inboxes))
            batches[worker].append((number, text))
            if len(batches[worker]) >= self.batch_size:
                self._send(worker, batches[worker])
                batches[worker] = []
        for worker, batch in enumerate(batches):
            if batch:
                self._send(worker, batch)
            self._send(worker, None)

    def _send(self, worker: int, batch) -> None:
        while True:
            self._read_messages()
            self._check_alive(worker)
            try:
                self.inboxes[worker].put(batch, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue

    def collect(self) -> IngestReport:
        while len(self.results) < len(self.processes):
            self._read_messages(wait=True)
        self._raise_failures()
        total = IngestReport()
        for _, report in self.results:
            total.applied += report.applied
            total.duplicates += report.duplicates
            total.entries += report.entries
            total.rejected.extend(report.rejected)
        total.rejected.sort(key=lambda item: item[0])
        return total

    def _read_messages(self, wait: bool = False) -> None:
        """Show reported progress; keep results. With ``wait``, block until one message came."""
        while True:
            try:
                kind, payload = self.outbox.get(timeout=_POLL_SECONDS) if wait else self.outbox.get_nowait()
            except queue.Empty:
                if not wait:
                    return
                self._check_alive()
                continue
            if kind == "progress":
                if self.progress:
                    self.progress(payload)
            else:
                self.results.append((kind, payload))
            wait = False

    def _check_alive(self, worker: int | None = None) -> None:
        """Raise if a worker failed, or if ``worker``, which still has lines to get, has stopped."""
        self._raise_failures()
        for number, process in enumerate(self.processes):
            if process.exitcode not in (None, 0) or (number == worker and process.exitcode is not None):
                self._read_messages()  # its last words may still be on the way
                self._raise_failures()
                raise ParallelIngestError(f"An ingest worker stopped early (exit code {process.exitcode}).")

    def _raise_failures(self) -> None:
        failures = [payload for kind, payload in self.results if kind == "failed"]
        if failures:
            raise ParallelIngestError("An ingest worker failed:\n" + "\n".join(failures))

    def stop(self) -> None:
        finished = len(self.results) == len(self.processes)
        for process in self.processes:
            if finished:
                process.join(timeout=60)
            if process.is_alive():  # the parent failed (or was interrupted) mid-way: stop at once
                process.kill()
                process.join()


def _worker_for(text: str, workers: int) -> int:
    try:
        resident_id = json.loads(text).get("resident_id")
    except (ValueError, AttributeError):
        resident_id = None  # rejected by whichever worker gets it, with its line number
    return zlib.crc32(str(resident_id).encode()) % workers


def _work(inbox, outbox, now, before_batch) -> None:
    try:
        report = apply_batches(iter(inbox.get, None), now=now, progress=lambda n: outbox.put(("progress", n)),
                               before_batch=before_batch)
        outbox.put(("done", report))
    except BaseException:  # the parent must hear of any failure, or it would wait for ever
        outbox.put(("failed", traceback.format_exc()))
    finally:
        connections.close_all()
