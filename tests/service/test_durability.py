"""An acknowledged append survives the writer being killed right after the acknowledgement."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.support.fixed import ORIGIN, fixed_key

WRITER = """
import os, signal, sys
from ledger.core.gs1_syntax import check_digit
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.support.fixed import fixed_key

ledger = Ledger(make_engine(sys.argv[1]))
operator = fixed_key("operator")
for i in range(50):
    body = f"69555{i:07d}"
    st = sign_statement("actor", {"actor": f"a{i}", "name": "n", "roles": ["farm"], "region": "r",
                                  "gln": body + str(check_digit(body))}, operator)
    index = ledger.append([st])[0].index
    print(index, flush=True)  # the acknowledgement
os.kill(os.getpid(), signal.SIGKILL)  # no clean shutdown, no checkpoint of the WAL
"""


def test_acknowledged_appends_survive_a_killed_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    Ledger.create(make_engine(url), fixed_key("operator"), ORIGIN).engine.dispose()
    run = subprocess.run(
        [sys.executable, "-c", WRITER, url],
        check=False,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )
    acked = [int(line) for line in run.stdout.split()]
    assert run.returncode == -9 and acked == list(range(1, 51))
    ledger = Ledger(make_engine(url))
    assert ledger.size() == 51
    assert ledger.verify().ok
