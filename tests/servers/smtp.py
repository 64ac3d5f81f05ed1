"""A real SMTP server (aiosmtpd) that captures what mailbot sends, and can be told to misbehave.

One server runs per test session on a free 127.0.0.1 port; the function-scoped
`smtp_server` fixture clears what it captured and every behaviour before each
test, so tests never see each other's mail.

    def test_acknowledges(smtp_server):
        ...  # send through SmtpSettings(host=smtp_server.host, port=smtp_server.port, tls="none")
        [ack] = smtp_server.wait_for(1)
        assert ack.kind == "acknowledgement", smtp_server.describe()

Behaviours: `refuse_next(code, n, at="RCPT"|"DATA")` refuses the next n
messages; `refuse_recipient(address, code)` refuses one address;
`stall_data()` holds the next DATA open until released; `require_auth(user,
password)` demands AUTH PLAIN/LOGIN over plaintext; `require_oauth(user, token)` demands AUTH
XOAUTH2 (or `mechanisms=("OAUTHBEARER",)`) with that bearer token, answering any other token as Exchange
Online and Gmail do (a 334 with the error in JSON, then 535); `offer_smtputf8(False)`
takes SMTPUTF8 out of EHLO (it is offered by default, as aiosmtpd does);
`limit_size(octets)` announces and enforces a SIZE limit (552 beyond it).
The last four apply from the next connection on.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import DATA_SIZE_DEFAULT, MISSING, AuthResult, LoginPassword

_REPLIES = {
    421: "421 4.3.2 Service not available, try again later",
    450: "450 4.2.1 Mailbox temporarily unavailable",
    451: "451 4.3.0 Temporary failure, try again later",
    452: "452 4.3.1 Insufficient system storage",
    550: "550 5.1.1 Mailbox unavailable",
    552: "552 5.3.4 Message too big",
    554: "554 5.7.1 Message refused",
}


def _reply(code: int) -> str:
    return _REPLIES.get(code, f"{code} {'4.0.0' if code < 500 else '5.0.0'} Refused by the test server")


@dataclass(frozen=True)
class Captured:
    """One message the server accepted: its envelope, exact bytes, and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    login: str | None = None          # the AUTH user, when the client logged in
    peer: tuple = ()                  # the client's (host, port): one connection, one peer
    mail_options: tuple[str, ...] = ()  # MAIL FROM parameters, e.g. BODY=8BITMIME

    @property
    def kind(self) -> str:
        return str(self.message.get("X-Mailbot-Kind", ""))

    @property
    def case_ref(self) -> str:
        return str(self.message.get("X-Mailbot-Case", ""))

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def message_id(self) -> str:
        return str(self.message.get("Message-ID", ""))

    @property
    def text(self) -> str:
        """The text/plain part, decoded, with plain \\n line ends; "" when there is none."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""

    def header(self, name: str) -> str:
        value = self.message.get(name)
        return "" if value is None else str(value)

    def describe(self) -> str:
        return (f"{self.kind or '(no X-Mailbot-Kind)'} from <{self.mail_from}> to "
                f"{', '.join(self.rcpt_tos)}: {self.subject!r} {self.message_id}")


class Stall:
    """A DATA held open by the server: `.entered` is set when it arrives, `.release()` lets it finish.

    `message` is what the client sent (set on entry); `aborted` is set if the
    client went away while it was held (it is then not captured).
    """

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.aborted = threading.Event()
        self.message: Captured | None = None
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()

    async def hold(self) -> None:
        # Polling keeps the server's event loop free for other connections.
        while not self._released.is_set():
            await asyncio.sleep(0.01)


@dataclass
class _Behaviour:
    refuse_rcpt: list[int] = field(default_factory=list)      # one code per message still to refuse
    refuse_data: list[int] = field(default_factory=list)
    refuse_address: dict[str, int] = field(default_factory=dict)
    stalls: list[Stall] = field(default_factory=list)
    credentials: tuple[str, str] | None = None
    bearer: tuple[str, str] | None = None          # (user, token) that require_oauth accepts


class CapturingHandler:
    """aiosmtpd handler: captures accepted messages and applies the behaviours a test switched on."""

    def __init__(self, server: SmtpTestServer):
        self.server = server

    # aiosmtpd offers a mechanism for each auth_NAME method of the handler (excluded until require_oauth).
    async def auth_XOAUTH2(self, server, args):
        return await self.server._check_bearer(server, args)

    async def auth_OAUTHBEARER(self, server, args):
        return await self.server._check_bearer(server, args)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.server._lock:
            queue = self.server._behaviour.refuse_rcpt
            envelope.refuse_rcpt = queue.pop(0) if queue else None
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refuse = getattr(envelope, "refuse_rcpt", None)
        with self.server._lock:
            refuse = refuse or self.server._behaviour.refuse_address.get(address.lower())
        if refuse:
            return _reply(refuse)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.server._lock:
            behaviour = self.server._behaviour
            generation = self.server._generation
            refuse = behaviour.refuse_data.pop(0) if behaviour.refuse_data else None
            stall = behaviour.stalls.pop(0) if behaviour.stalls else None
        if refuse:
            return _reply(refuse)
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        login = getattr(session.auth_data, "login", None) if session.authenticated else None
        captured = Captured(
            mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos), raw=bytes(raw),
            message=BytesParser(policy=policy.default).parsebytes(bytes(raw)),
            login=login.decode() if isinstance(login, bytes) else login,
            peer=tuple(session.peer or ()), mail_options=tuple(envelope.mail_options))
        if stall is not None:
            stall.message = captured
            stall.entered.set()
            try:
                await stall.hold()
            except asyncio.CancelledError:  # the client went away while DATA was held
                stall.aborted.set()
                raise
        if not self.server._capture(captured, generation):
            return "451 4.3.0 The test that sent this has ended"
        return "250 OK Message accepted"


class _Controller(Controller):
    """A Controller that may bind port 0: it learns its real port before the self-test connection."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

    def factory(self):
        # AUTH over plaintext is what require_auth asks for, on loopback only: no warning.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return super().factory()


class SmtpTestServer:
    """The session's SMTP server: what it captured, and the switches a test can turn."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._messages: list[Captured] = []
        self._behaviour = _Behaviour()
        self._generation = 0
        self._held: list[Stall] = []      # stalls handed out, released at reset whatever the test did
        self._controller = _Controller(
            CapturingHandler(self), hostname="127.0.0.1", port=0,
            authenticator=self._authenticate, auth_require_tls=False, auth_required=False,
            decode_data=False, auth_exclude_mechanism=list(OAUTH_MECHANISMS),
        )
        self.host = "127.0.0.1"
        self.port = 0

    # -- life ------------------------------------------------------------------

    def start(self) -> None:
        self._controller.start()
        self.port = self._controller.port

    def stop(self) -> None:
        self.reset()
        self._controller.stop()

    def reset(self) -> None:
        """Forget every captured message and behaviour; release any held DATA."""
        with self._lock:
            self._generation += 1
            self._messages.clear()
            stalls = self._behaviour.stalls + self._held
            self._behaviour = _Behaviour()
            self._held = []
            self._controller.SMTP_kwargs.update(auth_required=False, enable_SMTPUTF8=True,
                                                data_size_limit=DATA_SIZE_DEFAULT,
                                                auth_exclude_mechanism=list(OAUTH_MECHANISMS))
        for stall in stalls:
            stall.release()

    # -- what arrived ------------------------------------------------------------

    @property
    def messages(self) -> list[Captured]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 10) -> list[Captured]:
        """Wait until at least `count` messages arrived (or raise AssertionError naming what did)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} message(s) within {timeout} s, "
                                         f"got {len(self._messages)}:\n{self._describe_locked()}")
                self._arrived.wait(remaining)
            return list(self._messages)

    def by_kind(self, kind: str) -> list[Captured]:
        """The captured messages whose X-Mailbot-Kind is `kind` (a Kind or its wire string)."""
        return [message for message in self.messages if message.kind == str(kind)]

    def to(self, address: str) -> list[Captured]:
        """The captured messages whose envelope includes `address`."""
        address = address.lower()
        return [message for message in self.messages if address in (rcpt.lower() for rcpt in message.rcpt_tos)]

    def describe(self) -> str:
        """What was sent, one line a message: for assertion messages."""
        with self._lock:
            return self._describe_locked()

    def _describe_locked(self) -> str:
        if not self._messages:
            return "  (nothing was sent)"
        return "\n".join(f"  {index}. {message.describe()}" for index, message in enumerate(self._messages, 1))

    def _capture(self, captured: Captured, generation: int) -> bool:
        with self._arrived:
            if generation != self._generation:  # begun before a reset: belongs to an earlier test
                return False
            self._messages.append(captured)
            self._arrived.notify_all()
            return True

    # -- behaviours --------------------------------------------------------------

    def refuse_next(self, code: int = 451, n: int = 1, *, at: str = "RCPT") -> None:
        """Refuse the next `n` messages with `code`: every RCPT of them (`at="RCPT"`) or their DATA."""
        if at not in ("RCPT", "DATA"):
            raise ValueError("at is 'RCPT' or 'DATA'")
        with self._lock:
            queue = self._behaviour.refuse_rcpt if at == "RCPT" else self._behaviour.refuse_data
            queue.extend([code] * n)

    def refuse_recipient(self, address: str, code: int = 550) -> None:
        """Refuse RCPT for `address` with `code` until the next test."""
        with self._lock:
            self._behaviour.refuse_address[address.lower()] = code

    def stall_data(self) -> Stall:
        """Hold the next DATA open until the returned Stall is released (or the test ends)."""
        stall = Stall()
        with self._lock:
            self._behaviour.stalls.append(stall)
            self._held.append(stall)
        return stall

    def require_auth(self, user: str, password: str) -> None:
        """From the next connection on, demand AUTH (PLAIN or LOGIN, plaintext) as `user`/`password`."""
        with self._lock:
            self._behaviour.credentials = (user, password)
            # read by the controller's factory for each new connection
            self._controller.SMTP_kwargs["auth_required"] = True

    def require_oauth(self, user: str, token: str, *, mechanisms: tuple[str, ...] = ("XOAUTH2",)) -> None:
        """From the next connection on, demand AUTH with `mechanisms` (XOAUTH2, OAUTHBEARER) as `user` with
        the bearer `token`; calling it again replaces the token (as a refreshed one would)."""
        with self._lock:
            self._behaviour.bearer = (user, token)
            self._controller.SMTP_kwargs["auth_required"] = True
            self._controller.SMTP_kwargs["auth_exclude_mechanism"] = [
                mechanism for mechanism in OAUTH_MECHANISMS if mechanism not in mechanisms]

    def offer_smtputf8(self, offered: bool = True) -> None:
        """From the next connection on, offer SMTPUTF8 (RFC 6531) in EHLO or not; offered by default."""
        with self._lock:
            self._controller.SMTP_kwargs["enable_SMTPUTF8"] = offered

    def limit_size(self, octets: int) -> None:
        """From the next connection on, announce `SIZE octets` and refuse larger mail with 552 (RFC 1870)."""
        with self._lock:
            self._controller.SMTP_kwargs["data_size_limit"] = octets

    async def _check_bearer(self, smtp, args: list[str]) -> AuthResult:
        """One XOAUTH2 or OAUTHBEARER exchange: the initial response (or one asked for), checked for user and token."""
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False, message="501 5.5.2 Can't decode base64")
        else:
            blob = await smtp.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        user, token = _bearer_of(blob.decode("utf-8", "replace"))
        with self._lock:
            expected = self._behaviour.bearer
        if expected is not None and (user, token) == expected:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        # What Exchange Online and Gmail do: the error as a challenge, answered by an empty line, then 535.
        answer = await smtp.challenge_auth(json.dumps({"status": "401", "schemes": "bearer"}))
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        with self._lock:
            expected = self._behaviour.credentials
        if expected is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode("utf-8", "replace"), auth_data.password.decode("utf-8", "replace"))
        return AuthResult(success=given == expected, handled=False, auth_data=auth_data)


OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")


def _bearer_of(text: str) -> tuple[str, str]:
    """(user, token) from an XOAUTH2 (`user=U^Aauth=Bearer T^A^A`) or OAUTHBEARER (`n,a=U,^Aauth=...`) string."""
    user = token = ""
    for part in text.split("\x01"):
        if part.startswith("user="):
            user = part[len("user="):]
        elif part.startswith("n,a="):
            user = part[len("n,a="):].rstrip(",").replace("=2C", ",").replace("=3D", "=")
        elif part.startswith("auth=Bearer "):
            token = part[len("auth=Bearer "):]
    return user, token


@pytest.fixture(scope="session")
def smtp_session_server() -> Iterator[SmtpTestServer]:
    """The one SMTP server of the test session (use `smtp_server`, which resets it per test)."""
    server = SmtpTestServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server(smtp_session_server: SmtpTestServer) -> Iterator[SmtpTestServer]:
    """The session's SMTP server, emptied and well-behaved at the start of this test."""
    smtp_session_server.reset()
    yield smtp_session_server
    smtp_session_server.reset()


@pytest.fixture
def smtp_settings(smtp_server: SmtpTestServer):
    """SmtpSettings for the test server: plaintext, no AUTH, a short timeout."""
    from mailbot.settings import SmtpSettings

    return SmtpSettings(host=smtp_server.host, port=smtp_server.port, tls="none", timeout=5.0)
