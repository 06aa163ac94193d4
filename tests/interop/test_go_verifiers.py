"""Served checkpoints and proofs verify with Go's reference implementations.

golang.org/x/mod/sumdb/note is the origin of the C2SP signed-note format and
golang.org/x/mod/sumdb/tlog implements RFC 6962 proofs; both come from Debian's
golang-golang-x-mod-dev (installed by .ci/run). The test skips without a Go toolchain,
unless LEDGER_REQUIRE_INTEROP=1 (CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ledger import samples as ex
from ledger.core.signing import b64decode, b64encode
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.service.test_chain import CHAIN_CLOCK_START, producer_key, register_all
from tests.support.fixed import ORIGIN, StepClock, fixed_key
from web import create_app

HERE = Path(__file__).parent
GOPATH = "/usr/share/gocode"


@pytest.fixture(scope="module")
def go_verify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None or not Path(GOPATH, "src/golang.org/x/mod/sumdb/note").is_dir():
        if os.environ.get("LEDGER_REQUIRE_INTEROP") == "1":
            pytest.fail("Go and golang-golang-x-mod-dev are required here")
        pytest.skip(
            "no Go toolchain with golang.org/x/mod "
            "(apt-get install golang-go golang-golang-x-mod-dev)"
        )
    out = tmp_path_factory.mktemp("go") / "go_verify"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GOPATH,
        "GOCACHE": str(out.parent / "cache"),
    }
    subprocess.run(
        [go, "build", "-o", str(out), str(HERE / "go_verify.go")], check=True, env=env, timeout=300
    )
    return out


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    path = tmp_path_factory.mktemp("interop") / "ledger.sqlite3"
    ledger = Ledger.create(
        make_engine(f"sqlite:///{path}"),
        fixed_key("operator"),
        ORIGIN,
        clock=StepClock(CHAIN_CLOCK_START),
        checkpoint_interval=0,
    )
    register_all(ledger, fixed_key("operator"))
    for actor, payload in ex.wuchang_chain():
        ledger.append([sign_statement("event", payload, producer_key(actor))])
    return create_app({"TESTING": True, "LEDGER": ledger}).test_client()


def served_bundle(client: FlaskClient) -> dict[str, object]:
    vkey = client.get("/api/v1/operator").get_json()["verifier_key"]
    note = client.get("/api/v1/checkpoint").get_data(as_text=True)
    size = int(note.split("\n")[1])
    entries = client.get("/api/v1/log/entries", query_string={"start": 0, "end": size}).get_json()[
        "entries"
    ]
    inclusion = []
    for entry in entries:
        proof = client.get(
            "/api/v1/log/proof/inclusion", query_string={"index": entry["index"], "tree_size": size}
        )
        inclusion.append(
            {"index": entry["index"], "leaf": entry["leaf"], "proof": proof.get_json()["proof"]}
        )
    consistency = []
    for first in range(1, size):
        proof = client.get(
            "/api/v1/log/proof/consistency", query_string={"first": first, "second": size}
        ).get_json()
        # The older root, as a client holding the checkpoint of that size would have it.
        first_root = client.application.extensions["ledger"].root_at(first).hex()
        consistency.append({"first": first, "first_root": first_root, "proof": proof["proof"]})
    return {"vkey": vkey, "note": note, "inclusion": inclusion, "consistency": consistency}


def run(go_verify: Path, bundle: dict[str, object]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(go_verify)],
        input=json.dumps(bundle),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_go_reference_verifiers_accept_served_checkpoint_and_proofs(
    go_verify: Path, client: FlaskClient
) -> None:
    result = run(go_verify, served_bundle(client))
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout


def test_go_reference_verifiers_reject_tampering(go_verify: Path, client: FlaskClient) -> None:
    bundle = served_bundle(client)
    inclusion = bundle["inclusion"]
    assert isinstance(inclusion, list)
    leaf = bytearray(b64decode(inclusion[5]["leaf"], field="leaf"))
    leaf[10] ^= 1
    tampered_leaf = {**bundle, "inclusion": [{**inclusion[5], "leaf": b64encode(bytes(leaf))}]}
    assert "inclusion of entry 5" in run(go_verify, tampered_leaf).stdout
    note = str(bundle["note"])
    lines = note.split("\n")
    lines[1] = str(int(lines[1]) - 1)
    assert "note does not verify" in run(go_verify, {**bundle, "note": "\n".join(lines)}).stdout
