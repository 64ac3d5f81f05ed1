"""A real HTTP identity provider on loopback that plays Microsoft Entra ID's v2.0 endpoints and Google's token endpoint.

It serves the OpenID discovery document, `/{tenant}/oauth2/v2.0/token`
(client credentials with a secret or a certificate's signed assertion,
refresh tokens that rotate on every use and retire the old one, device
code) and `/devicecode`; and Google's `/token` (a service account's
jwt-bearer assertion with domain-wide delegation, refresh tokens, an
authorization code with PKCE). Clients reach it through `LoopbackSession`,
which sends the real hosts' URLs here.

    idp = IdentityProvider(); idp.start()
    idp.refuse("invalid_client", "AADSTS7000215: Invalid client secret provided.")   # the next token request
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

from mailbot.oauth.session import TimedSession

REAL_HOSTS = ("https://login.microsoftonline.com", "https://oauth2.googleapis.com")
MICROSOFT = "https://login.microsoftonline.com"


class LoopbackSession(TimedSession):
    """A token client's session that sends the real identity hosts' URLs to the loopback provider."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        super().__init__(timeout)
        self.port = port

    def request(self, method, url, **kwargs):
        for host in REAL_HOSTS:
            if url.startswith(host):
                url = f"http://127.0.0.1:{self.port}{url[len(host):]}"
        return super().request(method, url, **kwargs)


@dataclass
class IdentityProvider:
    """What the provider knows (tenant, apps, users, live refresh tokens) and what it was asked."""

    tenant: str = "8e2f0000-0000-4000-8000-00000000c0de"
    client_id: str = "11111111-2222-4333-8444-555555555555"
    client_secret: str = "s3cret~value-never-logged"
    certificate_pem: bytes = b""                         # the public part registered for the app
    delegated_users: set[str] = field(default_factory=set)   # Google: domain-wide delegation granted for these
    expires_in: int = 3600
    rotate: bool = True
    live_refresh_tokens: set[str] = field(default_factory=set)
    issued_access_tokens: list[str] = field(default_factory=list)
    issued_refresh_tokens: list[str] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    pending_codes: dict[str, str] = field(default_factory=dict)   # authorization code -> PKCE challenge
    approved_device_codes: set[str] = field(default_factory=set)
    refusals: list[tuple[int, dict]] = field(default_factory=list)
    signs_in_after_polls: int | None = None    # device code: the person finishes after this many polls
    port: int = 0

    # -- telling it what to do --

    def refuse(self, error: str, description: str = "", *, status: int = 400) -> None:
        """Refuse the next token request with this OAuth error (and the AADSTS code the description starts with)."""
        answer = {"error": error, "error_description": description}
        if description.startswith("AADSTS"):
            answer["error_codes"] = [int(description[6:].split(":")[0])]
        self.refusals.append((status, answer))

    def new_refresh_token(self) -> str:
        token = f"rt-{secrets.token_urlsafe(24)}"
        self.live_refresh_tokens.add(token)
        self.issued_refresh_tokens.append(token)
        return token

    def approve_device_code(self, user_code: str) -> None:
        """The person typed `user_code` at the verification page and signed in."""
        self.approved_device_codes.add(user_code)

    def grant_code(self, challenge: str) -> str:
        """An authorization code, as Google's consent page would give the redirect, bound to a PKCE challenge."""
        code = f"code-{secrets.token_urlsafe(8)}"
        self.pending_codes[code] = challenge
        return code

    # -- the endpoints --

    def discovery(self, tenant: str) -> tuple[int, dict]:
        if tenant not in (self.tenant, "organizations"):
            return 400, {"error": "invalid_tenant", "error_description":
                         f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID."}
        base = f"{MICROSOFT}/{tenant}"
        return 200, {"issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                     "token_endpoint": f"{base}/oauth2/v2.0/token",
                     "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                     "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"]}

    def devicecode(self, form: dict) -> tuple[int, dict]:
        code = secrets.token_hex(4).upper()
        return 200, {"device_code": f"device-{code}", "user_code": code, "interval": 0, "expires_in": 900,
                     "verification_uri": "https://microsoft.com/devicelogin",
                     "message": f"To sign in, use a web browser to open https://microsoft.com/devicelogin "
                                f"and enter the code {code} to authenticate."}

    def token(self, form: dict) -> tuple[int, dict]:
        self.requests.append(form)
        if self.refusals:
            return self.refusals.pop(0)
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            return self._client_credentials(form)
        if grant == "refresh_token":
            used = form.get("refresh_token", "")
            if used not in self.live_refresh_tokens:
                return 400, {"error": "invalid_grant", "error_codes": [700082], "error_description":
                             "AADSTS700082: The refresh token has expired due to inactivity."}
            if self.rotate:
                self.live_refresh_tokens.discard(used)
                return 200, self._tokens(refresh_token=self.new_refresh_token())
            return 200, self._tokens()
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            user_code = form.get("device_code", "").removeprefix("device-")
            if self.signs_in_after_polls is not None:
                self.signs_in_after_polls -= 1
                if self.signs_in_after_polls <= 0:
                    self.approve_device_code(user_code)
            if user_code not in self.approved_device_codes:
                return 400, {"error": "authorization_pending", "error_description": "AADSTS70016: pending"}
            return 200, self._tokens(refresh_token=self.new_refresh_token(), id_token=_id_token("alex@contoso.test"))
        if grant == "authorization_code":
            challenge = self.pending_codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "").encode("ascii")
            if challenge is None or _s256(verifier) != challenge:
                return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
            return 200, self._tokens(refresh_token=self.new_refresh_token())
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            claims = jwt.decode(form.get("assertion", ""), options={"verify_signature": False})
            if claims.get("sub") not in self.delegated_users:
                return 401, {"error": "unauthorized_client", "error_description":
                             "Client is unauthorized to retrieve access tokens using this method, or client not "
                             "authorized for any of the scopes requested."}
            return 200, self._tokens()
        return 400, {"error": "unsupported_grant_type", "error_description": grant}

    def _client_credentials(self, form: dict) -> tuple[int, dict]:
        if form.get("client_id") != self.client_id:
            return 400, {"error": "unauthorized_client", "error_codes": [700016], "error_description":
                         f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found "
                         f"in the directory '{self.tenant}'."}
        if "client_assertion" in form:
            try:
                jwt.decode(form["client_assertion"], _public_key(self.certificate_pem),
                           algorithms=["PS256", "RS256"], options={"verify_aud": False})
            except (jwt.PyJWTError, ValueError):
                return 401, {"error": "invalid_client", "error_codes": [700027], "error_description":
                             "AADSTS700027: The certificate with identifier used to sign the client assertion "
                             "is not registered on application."}
        elif form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client", "error_codes": [7000215], "error_description":
                         "AADSTS7000215: Invalid client secret provided."}
        return 200, self._tokens()

    def _tokens(self, **more) -> dict:
        token = f"at-{secrets.token_urlsafe(24)}"
        self.issued_access_tokens.append(token)
        return {"token_type": "Bearer", "access_token": token, "expires_in": self.expires_in,
                "scope": "https://mail.google.com/ https://outlook.office365.com/.default", **more}

    # -- running it --

    def start(self) -> IdentityProvider:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def session(self, timeout: float = 5.0) -> LoopbackSession:
        return LoopbackSession(self.port, timeout)


def _handler(idp: IdentityProvider):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path).path.strip("/").split("/")
            if parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                return self._answer(*idp.discovery(parts[0]))
            self._answer(404, {"error": "not_found"})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
            form = {key: values[0] for key, values in parse_qs(body).items()}
            path = urlsplit(self.path).path
            if path.endswith("/oauth2/v2.0/devicecode"):
                return self._answer(*idp.devicecode(form))
            if path.endswith("/oauth2/v2.0/token") or path == "/token":
                return self._answer(*idp.token(form))
            self._answer(404, {"error": "not_found"})

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):   # quiet: the test reports what matters
            pass

    return Handler


def _s256(verifier: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode("ascii")


def _id_token(user: str) -> str:
    return jwt.encode({"preferred_username": user, "sub": "subject-1", "oid": "object-1", "tid": "tenant-1",
                       "aud": "x", "iss": "y"}, "k" * 32, algorithm="HS256")


def _public_key(certificate_pem: bytes):
    from cryptography import x509
    return x509.load_pem_x509_certificate(certificate_pem).public_key()
