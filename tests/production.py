"""The environment a process needs to start under ``config.settings_production`` in tests.

Production refuses the development ledger key and needs a signing key file and a checkpoint
store named; tests that only start the settings give placeholders that are never used to sign.
"""
import secrets
import tempfile
from pathlib import Path

LEDGER_ENV = {
    "LEDGER_KEYS": "test1:" + secrets.token_hex(20),
    "LEDGER_SIGNING_KEY_FILE": str(Path(tempfile.gettempdir()) / "points-tests-never-signed.pem"),
    "LEDGER_CHECKPOINT_DIR": str(Path(tempfile.gettempdir()) / "points-tests-checkpoints"),
}
