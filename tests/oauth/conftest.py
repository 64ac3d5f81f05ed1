"""The loopback identity provider, and the keys and settings that point mailbot's token providers at it."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mailbot.oauth.cache import TokenCache
from mailbot.settings import OAuthSettings, Secret
from tests.servers.identity import IdentityProvider


@pytest.fixture
def idp():
    provider = IdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def cache():
    return TokenCache()


@pytest.fixture
def secret_env(monkeypatch, idp):
    monkeypatch.setenv("MAILBOT_TEST_CLIENT_SECRET", idp.client_secret)
    return Secret(env="MAILBOT_TEST_CLIENT_SECRET")


def microsoft_app(idp: IdentityProvider, secret: Secret, **changes) -> OAuthSettings:
    return OAuthSettings(**{"provider": "microsoft", "flow": "app", "tenant_id": idp.tenant,
                            "client_id": idp.client_id, "client_secret": secret, **changes})


def microsoft_delegated(idp: IdentityProvider, store: Path, **changes) -> OAuthSettings:
    return OAuthSettings(**{"provider": "microsoft", "flow": "delegated", "tenant_id": idp.tenant,
                            "client_id": idp.client_id, "token_store": store, **changes})


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate_pem(key: rsa.RSAPrivateKey) -> bytes:
    """A self-signed certificate for `key`, as one makes for an Entra app registration."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailbot")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(start)
                   .not_valid_after(start + datetime.timedelta(days=3650)).sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def service_account_file(folder: Path, key: rsa.RSAPrivateKey) -> Path:
    """A service account's JSON key, as the Google Cloud console downloads it."""
    path = folder / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "mailbot-test", "private_key_id": "k1",
        "private_key": key_pem(key).decode("ascii"), "client_email": "mailbot@mailbot-test.iam.gserviceaccount.com",
        "client_id": "1234567890", "token_uri": "https://oauth2.googleapis.com/token"}))
    return path
