"""Signed checkpoints of the whole ledger, appended to a store outside the database.

A checkpoint says, for every citizen, how many ledger entries they had, which entry was the newest
and its hash (a *leaf*), with a Merkle root over all leaves, the total entry count and the highest
entry id; it is signed with Ed25519 (``points.keys.signing_key``) and appended as one JSON line to
``LEDGER_CHECKPOINT_DIR/checkpoints.jsonl``. Each line also carries the SHA-256 of the line before
it, so lines cannot be dropped from the middle or reordered, and names a file of the leaves that
changed since the previous checkpoint (``leaves/NNNNNNNN.jsonl``, bound to the line by its SHA-256).

Whoever rewrites the database afterwards — wipes it, deletes the newest entries, rolls a head back,
rewrites a chain even with the chain key — cannot rewrite the checkpoints without the signing key:
``points.integrity`` compares the ledger with every one. The store is only ever appended to; copy
it (or publish the lines) somewhere the database's administrators cannot write.
"""
import base64
import datetime
import fcntl
import hashlib
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from points import keys
from points.models import LedgerEntry

logger = logging.getLogger(__name__)

LOG_NAME = "checkpoints.jsonl"
LEAVES_DIR = "leaves"
FORMAT = 1


class CheckpointRefused(Exception):
    """The ledger no longer extends the last checkpoint: signing it would bless the damage."""


@dataclass(frozen=True)
class Leaf:
    """One citizen's chain as a checkpoint saw it."""

    citizen_id: int
    count: int
    head_id: int
    head_hash: str

    def row(self) -> list:
        return [self.citizen_id, self.count, self.head_id, self.head_hash]

    def digest(self) -> bytes:
        text = f"{self.citizen_id}:{self.count}:{self.head_id}:{self.head_hash}"
        return hashlib.sha256(b"\x00" + text.encode()).digest()


def merkle_root(leaves) -> str:
    """The Merkle root (RFC 9162's leaf and node prefixes) over leaves in citizen order; an odd node
    is carried up unpaired."""
    level = [leaf.digest() for leaf in sorted(leaves, key=lambda leaf: leaf.citizen_id)]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def ledger_leaves() -> dict:
    """{citizen id: Leaf} for every citizen with entries, read in one statement (one snapshot)."""
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.citizen_id, c.n, l.id, l.hash FROM "
            f"(SELECT citizen_id, COUNT(*) AS n, MAX(id) AS m FROM {table} GROUP BY citizen_id) c "
            f"JOIN {table} l ON l.id = c.m"
        )
        return {row[0]: Leaf(*row) for row in cursor.fetchall()}


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _line_digest(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()


@dataclass
class Checkpoint:
    """A parsed, signature-checked line of the store, with the leaves its file holds."""

    seq: int
    payload: dict
    leaves: list = field(default_factory=list)

    @property
    def entries(self) -> int:
        return self.payload["entries"]


@dataclass
class StoreReading:
    """Every valid checkpoint in order, the problems found in the store, and the state it ends in."""

    checkpoints: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # (kind, message)
    state: dict = field(default_factory=dict)  # citizen id -> Leaf, after the last checkpoint
    last_line: str = ""
    last_seq: int = 0

    @property
    def last(self):
        return self.checkpoints[-1] if self.checkpoints else None


def store_dir(directory=None) -> Path:
    return Path(directory or settings.LEDGER_CHECKPOINT_DIR)


def read_store(directory=None) -> StoreReading:
    """Read and check the whole store: signatures, the line chain, the leaf files, the final root."""
    base = store_dir(directory)
    reading = StoreReading()
    log = base / LOG_NAME
    if not log.exists():
        return reading
    previous_digest, expected_seq = "", 1
    for number, line in enumerate(log.read_text().splitlines(), start=1):
        checkpoint = _parse_line(base, number, line, reading.problems)
        if checkpoint is None:
            continue
        if checkpoint.seq != expected_seq or checkpoint.payload["prev"] != previous_digest:
            reading.problems.append(("checkpoint-log", _(
                "checkpoint %(seq)s does not follow the line before it (a checkpoint was removed or reordered)"
            ) % {"seq": checkpoint.seq}))
        previous_digest, expected_seq = _line_digest(line), checkpoint.seq + 1
        reading.last_line, reading.last_seq = line, checkpoint.seq
        for leaf in checkpoint.leaves:
            reading.state[leaf.citizen_id] = leaf
        reading.checkpoints.append(checkpoint)
    last = reading.last
    if last is not None and not reading.problems and merkle_root(reading.state.values()) != last.payload["root"]:
        reading.problems.append(("checkpoint-log", _(
            "the leaves of the checkpoints do not add up to the root signed in checkpoint %(seq)s"
        ) % {"seq": last.seq}))
    return reading


def _parse_line(base: Path, number: int, line: str, problems: list):
    """The line's checkpoint if it is well formed and signed by a known key, else None (problem noted)."""
    try:
        payload = json.loads(line)
        signature = base64.b64decode(payload.pop("sig"))
        public = keys.verify_keys()[payload["key"]]
        public.verify(signature, _canonical(payload))
        seq = int(payload["seq"])
    except (ValueError, KeyError, TypeError, AttributeError, InvalidSignature):
        problems.append(("checkpoint-signature", _(
            "line %(number)s of the checkpoint store is not a checkpoint signed by a known key (forged or altered)"
        ) % {"number": number}))
        return None
    leaves_file = base / LEAVES_DIR / payload["leaves"]
    try:
        data = leaves_file.read_bytes()
    except OSError:
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != payload["leaves_sha256"]:
        problems.append(("checkpoint-log", _(
            "the leaves file of checkpoint %(seq)s is missing or altered"
        ) % {"seq": seq}))
        return Checkpoint(seq, payload)
    leaves = [Leaf(*json.loads(row)) for row in data.decode().splitlines() if row]
    return Checkpoint(seq, payload, leaves)


@contextmanager
def _locked(base: Path):
    """One writer at a time (the scheduler and an ingest run may meet)."""
    base.mkdir(parents=True, exist_ok=True)
    (base / LEAVES_DIR).mkdir(exist_ok=True)
    with open(base / "checkpoints.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def checkpoint_write(*, directory=None, now=None) -> dict:
    """Sign a checkpoint of the ledger as it is now and append it to the store; returns its payload.

    Raises ``CheckpointRefused`` when the ledger lost a citizen's entries or changed a head since the
    last checkpoint, and when the store itself does not check out: ``manage.py verify_ledger`` says why.
    """
    base = store_dir(directory)
    with _locked(base):
        reading = read_store(base)
        if reading.problems:
            raise CheckpointRefused("; ".join(message for _kind, message in reading.problems))
        leaves = ledger_leaves()
        _check_extends(reading.state, leaves)
        changed = [leaf for cid, leaf in sorted(leaves.items()) if reading.state.get(cid) != leaf]
        return _append(base, reading, leaves, changed, now or datetime.datetime.now(datetime.UTC))


def checkpoint_after_run() -> None:
    """After a bulk run: a checkpoint once the caller's transaction commits (never of writes that may
    still roll back). A refusal is logged, not raised: the run itself has committed."""
    if settings.LEDGER_CHECKPOINT_AFTER_INGEST:
        transaction.on_commit(_checkpoint_logged)


def _checkpoint_logged() -> None:
    try:
        checkpoint_write()
    except CheckpointRefused as refused:
        logger.error("ledger checkpoint refused: %s", refused)


def _check_extends(previous: dict, current: dict) -> None:
    for citizen_id, old in previous.items():
        new = current.get(citizen_id)
        if new is None or new.count < old.count or (new.count == old.count and new != old):
            raise CheckpointRefused(_(
                "citizen %(citizen)s had %(count)s entries up to entry %(entry)s at the last checkpoint; "
                "the ledger no longer shows them (run manage.py verify_ledger)"
            ) % {"citizen": citizen_id, "count": old.count, "entry": old.head_id})


def _append(base: Path, reading: StoreReading, leaves: dict, changed: list, now) -> dict:
    seq = reading.last_seq + 1
    leaves_name = f"{seq:08d}.jsonl"
    data = "".join(json.dumps(leaf.row()) + "\n" for leaf in changed).encode()
    _write_new(base / LEAVES_DIR / leaves_name, data)
    signer = keys.signing_key()
    payload = {
        "v": FORMAT, "seq": seq, "at": now.astimezone(datetime.UTC).isoformat(),
        "citizens": len(leaves), "entries": sum(leaf.count for leaf in leaves.values()),
        "max_entry_id": max((leaf.head_id for leaf in leaves.values()), default=0),
        "root": merkle_root(leaves.values()), "changed": len(changed),
        "leaves": leaves_name, "leaves_sha256": hashlib.sha256(data).hexdigest(),
        "prev": _line_digest(reading.last_line) if reading.last_line else "",
        "key": keys.key_fingerprint(signer.public_key()),
    }
    line = json.dumps({**payload, "sig": base64.b64encode(signer.sign(_canonical(payload))).decode()},
                      sort_keys=True, separators=(",", ":"))
    with open(base / LOG_NAME, "a") as log:
        log.write(line + "\n")
        log.flush()
        os.fsync(log.fileno())
    return payload


def _write_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet (a leftover from a crashed run is replaced: no line names it)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    tmp.replace(path)
