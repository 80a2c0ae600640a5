"""A private key for the JWT login mode, made once per test session (2048-bit RSA is slow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.salesforce.logins import new_rsa_key, write_key


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
def key_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    """``rsa_key`` as a PEM file in the test's folder (what ``SF_PRIVATE_KEY_FILE`` names)."""
    return write_key(tmp_path / "server.key", rsa_key)
