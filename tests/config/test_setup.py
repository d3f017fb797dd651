"""The set-up paths a new user meets first: demo data and production settings."""
import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from citizens.models import Citizen
from points.models import Event, LedgerEntry


def test_demo_setup_loads_once_and_prints_a_working_login(db, capsys):
    call_command("demo_setup", citizens=60, events=200)
    first = capsys.readouterr().out
    password = first.split("Password: ")[1].split()[0]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    counts = (Citizen.objects.count(), Event.objects.count(), LedgerEntry.objects.count())
    assert counts[0] == 60 and counts[1] > 200
    call_command("demo_setup", citizens=60, events=200)
    second = capsys.readouterr().out
    assert "this run applied 0, 200 were already there" in second
    assert (Citizen.objects.count(), Event.objects.count(), LedgerEntry.objects.count()) == counts


@pytest.mark.parametrize("env, message", [
    ({"SECRET_KEY": ""}, "Set SECRET_KEY"),
    ({"SECRET_KEY": "x" * 40}, "at least 50 characters"),
    ({"SECRET_KEY": "x" * 60}, "at least 50 characters"),  # not random
    ({"SECRET_KEY": "xyzuv" * 10, "DATABASE_URL": "sqlite:///tmp.db"}, "Production runs on PostgreSQL"),
])
def test_production_settings_refuse_unsafe_configuration(env, message):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    clean.update({k: v for k, v in env.items() if v})
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings_production"], env=clean, capture_output=True, text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode != 0 and message in result.stderr


def test_production_settings_accept_a_real_configuration(tmp_path):
    env = dict(os.environ, SECRET_KEY="kdw7q" * 10, DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
               LEDGER_KEYS="k1:" + "s" * 40, LEDGER_SIGNING_KEY_FILE=str(tmp_path / "signing.pem"),
               LEDGER_CHECKPOINT_DIR=str(tmp_path / "checkpoints"))
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings_production as s; print(s.DEBUG)"], env=env,
        capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode == 0 and result.stdout.strip() == "False"
