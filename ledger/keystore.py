"""The local keystore: Ed25519 private keys encrypted at rest (argon2id + XSalsa20-Poly1305).

A key file holds the public key in clear and the 32-byte seed sealed with a key derived
from a passphrase. Files are created 0600 and never overwritten. Seeds are never printed
or logged; ``SigningKey``'s repr hides them too.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from ledger.core.errors import LedgerError, MalformedError, NotFoundError
from ledger.core.signing import PublicKey, SigningKey, b64decode, b64encode

DEFAULT_DIR = Path("keys")
DEMO_PASSPHRASE = "insecure-demo-passphrase"  # announced by `ledger demo`; never for real keys
KEY_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")
ARGON = nacl.pwhash.argon2id


class KeystoreError(LedgerError):
    """A key file cannot be created, read or opened."""

    code = "keystore_error"


@dataclass(frozen=True)
class KeyInfo:
    """What the keystore says about a key without opening it."""

    name: str
    public_key: PublicKey
    path: Path


@dataclass(frozen=True)
class Keystore:
    """A directory of encrypted key files named ``<name>.key``."""

    directory: Path = DEFAULT_DIR
    # Interactive limits (64 MiB, a few tenths of a second): enough for keys on a laptop.
    opslimit: int = ARGON.OPSLIMIT_INTERACTIVE
    memlimit: int = ARGON.MEMLIMIT_INTERACTIVE

    def _path(self, name: str) -> Path:
        if not KEY_NAME.fullmatch(name):
            raise MalformedError(
                "a key name is 1 to 63 lowercase letters, digits, '.', '_' or '-'",
                code="bad_key_name",
            )
        return self.directory / f"{name}.key"

    def create(self, name: str, passphrase: str, key: SigningKey | None = None) -> KeyInfo:
        """Generate (or store the given) key under ``name``, encrypted with ``passphrase``."""
        if not passphrase:
            raise KeystoreError(
                "an empty passphrase would leave the key unprotected", code="empty_passphrase"
            )
        key = key or SigningKey.generate()
        path = self._path(name)
        self.directory.mkdir(parents=True, exist_ok=True)
        salt = nacl.utils.random(ARGON.SALTBYTES)
        box_key = ARGON.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=self.opslimit,
            memlimit=self.memlimit,
        )
        sealed = nacl.secret.SecretBox(box_key).encrypt(key.seed)
        document = {
            "v": 1,
            "kdf": "argon2id",
            "opslimit": self.opslimit,
            "memlimit": self.memlimit,
            "salt": b64encode(salt),
            "sealed_seed": b64encode(bytes(sealed)),
            "public_key": key.public_key.b64,
            "key_id": key.public_key.key_id,
        }
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise KeystoreError(
                f"a key named {name!r} already exists; choose another name", code="key_exists"
            ) from exc
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
        return KeyInfo(name, key.public_key, path)

    def _read(self, name: str) -> dict[str, object]:
        path = self._path(name)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise NotFoundError(
                f"no key named {name!r} in {self.directory}", code="no_such_key"
            ) from exc
        except json.JSONDecodeError as exc:
            raise KeystoreError(f"key file {path} is damaged", code="bad_key_file") from exc
        if (
            not isinstance(document, dict)
            or document.get("v") != 1
            or document.get("kdf") != "argon2id"
        ):
            raise KeystoreError(f"key file {path} has an unknown format", code="bad_key_file")
        return document

    def info(self, name: str) -> KeyInfo:
        """The public key stored under ``name`` (no passphrase needed)."""
        document = self._read(name)
        public = PublicKey(b64decode(str(document["public_key"]), field="public_key", size=32))
        return KeyInfo(name, public, self._path(name))

    def list(self) -> list[KeyInfo]:
        """Every key in the store, by name."""
        if not self.directory.is_dir():
            return []
        return [self.info(p.stem) for p in sorted(self.directory.glob("*.key"))]

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def load(self, name: str, passphrase: str) -> SigningKey:
        """Open the key ``name`` with ``passphrase``."""
        document = self._read(name)
        salt = b64decode(str(document["salt"]), field="salt", size=ARGON.SALTBYTES)
        box_key = ARGON.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=int(document["opslimit"]),
            memlimit=int(document["memlimit"]),
        )  # type: ignore[call-overload]
        try:
            seed = nacl.secret.SecretBox(box_key).decrypt(
                b64decode(str(document["sealed_seed"]), field="sealed_seed")
            )
        except nacl.exceptions.CryptoError as exc:
            raise KeystoreError(
                f"wrong passphrase for key {name!r}", code="wrong_passphrase"
            ) from exc
        key = SigningKey(seed)
        if key.public_key.b64 != document["public_key"]:
            raise KeystoreError(f"key file for {name!r} is inconsistent", code="bad_key_file")
        return key
