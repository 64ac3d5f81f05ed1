"""A client certificate for Microsoft app-only sign-in: private key and certificate from one PEM file."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from mailbot.oauth.errors import TokenError


def certificate_credential(path: Path, *, place: str) -> dict:
    """msal's client_credential for the PEM at `path` (its private key and first certificate).

    msal signs its assertion with the key and names the certificate by its
    SHA-256 thumbprint, computed from the certificate given here.
    """
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise TokenError(f"{place}: client_certificate_file {path}: cannot read it: {error.strerror}",
                         diagnosis=f"make {path} readable by the user mailbot runs as (and by no one else)") from None
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise TokenError(f"{place}: client_certificate_file {path} holds no unencrypted private key",
                         diagnosis=f"{path} must hold the private key (unencrypted, PEM) and the certificate: "
                                   f"e.g. `cat key.pem cert.pem > {path.name}`") from None
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise TokenError(f"{place}: client_certificate_file {path} holds no certificate",
                         diagnosis=f"{path} must hold the certificate too (PEM), after the private key") from None
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return {"private_key": key_pem, "public_certificate": certificate_pem}


def thumbprint(path: Path) -> str:
    """The certificate's SHA-1 thumbprint as the Entra admin center shows it (upper-case hex)."""
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    return certificate.fingerprint(hashes.SHA1()).hex().upper()
