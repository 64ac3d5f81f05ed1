"""A private Dovecot IMAP server for the test session, with a fresh user per test.

One `dovecot -F` runs per session on free loopback ports: a plain port that
also offers STARTTLS, an implicit-TLS port, a self-signed certificate
(`ca_file`) and an XOAUTH2 passdb backed by an introspection endpoint served
here, so that every TLS mode and both login methods meet a real server.
The measured pitfalls it is configured against are in /work/shared/TESTING.md.

Its clock runs ahead. Dovecot 2.3 replaces an APPEND date more than two hours
in the future with the current time (INTERNALDATE_MAX_FUTURE_SECS in imap's
cmd-append.c), and the corpus delivers mail dated weeks after today's wall
clock. So the server runs under libfaketime (Debian's `faketime` package):
LD_PRELOAD and FAKETIME (a fixed offset, FAKE_OFFSET) are in the master's
environment and passed on to every child by `import_environment`; the
fixture reads a 2027 INTERNALDATE back before handing the server out. Its
log's timestamps are therefore that far ahead too. Where libfaketime is
missing the server runs on the real clock and `append` skips a test that
needs a future date (under CI=true the fixture fails instead).
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs

import pytest
from imapclient import IMAPClient, imap_utf7

from mailbot.settings import ImapSettings, Secret

DOVECOT = Path("/usr/sbin/dovecot")
DOVEADM = Path("/usr/bin/doveadm")
NOBODY = 65534  # mail may not belong to root: nobody/nogroup own every maildir
START_SECONDS = 15.0

LIBFAKETIME = ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1")  # Debian multiarch
FAKE_OFFSET = "+3y"               # the server's clock is this far ahead of the wall clock
FUTURE_MARGIN = timedelta(hours=1)  # Dovecot keeps dates up to 2 h ahead of its clock; stay inside
NO_FAKETIME = ("libfaketime is not installed, so the test Dovecot runs on the real clock and replaces "
               "INTERNALDATEs more than 2 h in the future with the current time: run `make test-deps` "
               "as root, or apt-get install faketime")
PROBE_DATE = datetime(2027, 12, 31, 23, 59, 58, tzinfo=timezone(timedelta(hours=-5)))

CONFIG = """\
instance_name = {name}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = {ssl}
{ssl_files}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_uid = nobody
mail_gid = nogroup
mail_max_userip_connections = 200
import_environment = TZ CORE_OUTOFMEM CORE_ERROR LISTEN_PID LISTEN_FDS NOTIFY_SOCKET {fake_environment}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
  mechanisms = plain login
}}
passdb {{
  driver = oauth2
  args = {root}/oauth2.conf
  mechanisms = xoauth2 oauthbearer
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

OAUTH2 = """\
introspection_mode = post
introspection_url = http://127.0.0.1:{port}/introspect
username_attribute = username
active_attribute = active
active_value = true
"""


@dataclass(frozen=True)
class ImapUser:
    """A mailbox on the test server; `password_file` holds the password for a `Secret`."""

    name: str
    password: str
    home: Path
    password_file: Path


class DovecotServer:
    """The running test server and the helpers tests use to fill and inspect mailboxes."""

    host = "127.0.0.1"

    def __init__(self, root: Path, *, port: int, ssl_port: int | None, ca_file: Path | None, tokens: dict,
                 fake_clock: bool = False):
        self.root = root
        self.fake_clock = fake_clock     # runs under libfaketime, FAKE_OFFSET ahead: any corpus date is past
        self.port = port                 # plain IMAP, STARTTLS offered when ca_file is set
        self.ssl_port = ssl_port         # implicit TLS, or None without openssl
        self.ca_file = ca_file           # the self-signed certificate to trust
        self._tokens = tokens            # bearer token -> user name, read by the introspection endpoint
        self._numbers = itertools.count(1)

    # --- users -----------------------------------------------------------
    def add_user(self, name: str | None = None, password: str | None = None) -> ImapUser:
        """Create a user with an empty maildir; one passwd file each, so no re-read delay."""
        name = name or f"user{next(self._numbers):04d}-{secrets.token_hex(2)}"
        password = password or secrets.token_urlsafe(12)
        if ":" in name + password or "/" in name:
            raise ValueError("user names and passwords for the passwd file may not contain ':' (nor names '/')")
        passwd = self.root / "users" / name
        if passwd.exists():
            raise ValueError(f"user {name} exists already")
        home = self.root / "mail" / name
        home.mkdir()
        os.chown(home, NOBODY, NOBODY)
        password_file = self.root / "secrets" / name
        password_file.write_text(password + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        passwd.write_text(f"{name}:{{PLAIN}}{password}:{NOBODY}:{NOBODY}::{home}::\n", encoding="utf-8")
        passwd.chmod(0o644)
        return ImapUser(name, password, home, password_file)

    def add_token(self, user: ImapUser) -> str:
        """A fresh OAuth2 bearer token that the server accepts for `user` (XOAUTH2)."""
        token = secrets.token_urlsafe(16)
        self._tokens[token] = user.name
        return token

    def revoke_token(self, token: str) -> None:
        self._tokens.pop(token, None)

    def maildir_path(self, user: ImapUser) -> Path:
        return user.home / "Maildir"

    def settings(self, user: ImapUser, *, tls: str = "none", **changes) -> ImapSettings:
        """ImapSettings reaching `user` over `tls` (none | starttls | ssl), trusting this server's certificate."""
        port = self.ssl_port if tls == "ssl" else self.port
        base = ImapSettings(host=self.host, port=port, tls=tls, username=user.name,
                            password=Secret(file=user.password_file), timeout=5.0, ca_file=self.ca_file)
        return replace(base, **changes)

    # --- sessions --------------------------------------------------------
    def client(self, user: ImapUser, *, tls: str = "none") -> IMAPClient:
        """A logged-in IMAPClient (a context manager: `with dovecot.client(user) as imap:`)."""
        context = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else None
        if tls == "ssl":
            imap = IMAPClient(self.host, self.ssl_port, ssl=True, ssl_context=context, timeout=5)
        else:
            imap = IMAPClient(self.host, self.port, ssl=False, timeout=5)
            if tls == "starttls":
                imap.starttls(context)
        imap.normalise_times = False
        imap.login(user.name, user.password)
        return imap

    @contextmanager
    def _folder(self, user: ImapUser, folder: str, *, readonly: bool) -> Iterator[IMAPClient]:
        with self.client(user) as imap:
            imap.select_folder(folder, readonly=readonly)
            yield imap

    def create_folder(self, user: ImapUser, folder: str) -> None:
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)

    def append(self, user: ImapUser, raw: bytes, *, folder: str = "INBOX", at: datetime, flags=()) -> int:
        """Deliver `raw` as received at `at` (INTERNALDATE); creates the folder if missing; returns its UID."""
        if at.tzinfo is None:
            raise ValueError("append(at=...) needs an aware datetime: INTERNALDATE carries a zone")
        if not self.fake_clock and at > datetime.now(timezone.utc) + FUTURE_MARGIN:
            pytest.skip(f"needs INTERNALDATE {at.isoformat()}, in the future: {NO_FAKETIME}")
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            response = imap.append(folder, raw, flags=tuple(flags), msg_time=at)
        # b"[APPENDUID <uidvalidity> <uid>] Append completed."
        return int(response.split(b"]")[0].split()[-1])

    def flags(self, user: ImapUser, folder: str = "INBOX") -> dict[int, set[str]]:
        """Every message's stored flags by UID (the per-session \\Recent left out)."""
        with self._folder(user, folder, readonly=True) as imap:
            found = imap.get_flags(imap.search("ALL"))
        return {uid: {flag.decode() for flag in flags} - {"\\Recent"} for uid, flags in found.items()}

    def messages(self, user: ImapUser, folder: str = "INBOX") -> dict[int, bytes]:
        """Every message's bytes by UID, read without setting \\Seen."""
        with self._folder(user, folder, readonly=True) as imap:
            found = imap.fetch(imap.search("ALL"), ["BODY.PEEK[]"])
        return {uid: data[b"BODY[]"] for uid, data in found.items()}

    def internal_dates(self, user: ImapUser, folder: str = "INBOX") -> dict[int, datetime]:
        """Every message's INTERNALDATE by UID, timezone-aware, as the server reports it."""
        with self._folder(user, folder, readonly=True) as imap:
            found = imap.fetch(imap.search("ALL"), ["INTERNALDATE"])
        return {uid: data[b"INTERNALDATE"] for uid, data in found.items()}

    def uidvalidity(self, user: ImapUser, folder: str = "INBOX") -> int:
        with self.client(user) as imap:
            return int(imap.select_folder(folder, readonly=True)[b"UIDVALIDITY"])

    def change_uidvalidity(self, user: ImapUser, folder: str = "INBOX") -> int:
        """Renumber a folder as a server migration would, keeping its messages; returns the new value.

        `doveadm mailbox update --uid-validity` rewrites the index and the
        maildir's uidlist; a session that has the folder open is told its
        state is inconsistent and disconnected, as a real server does.
        """
        new = self.uidvalidity(user, folder) + 1000
        self.doveadm("mailbox", "update", "-u", user.name, "--uid-validity", str(new),
                     imap_utf7.encode(folder).decode("ascii"))
        return new

    def doveadm(self, *args: str) -> str:
        done = subprocess.run([str(DOVEADM), "-c", str(self.root / "dovecot.conf"), *args],
                              capture_output=True, text=True, timeout=30)
        if done.returncode:
            raise RuntimeError(f"doveadm {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log: what to print when a test does not understand the server."""
        log = self.root / "dovecot.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


# --- starting and stopping -------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _make_certificate(root: Path) -> Path | None:
    """A self-signed certificate for 127.0.0.1 and localhost, or None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"), "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    (root / "key.pem").chmod(0o644)  # read by dovecot's own login processes
    return root / "cert.pem"


def _introspection_server(tokens: dict) -> ThreadingHTTPServer:
    """The OAuth2 token-introspection endpoint Dovecot asks: active only for tokens add_token issued."""

    class Introspect(BaseHTTPRequestHandler):
        def do_POST(self):
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            user = tokens.get(form.get("token", [""])[0])
            body = json.dumps({"active": user is not None, "username": user or ""}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet: pytest shows failures, not every request
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Introspect)
    threading.Thread(target=server.serve_forever, name="oauth2-introspection", daemon=True).start()
    return server


def _wait_until_ready(process: subprocess.Popen, server: DovecotServer) -> None:
    """Poll until the plain port greets with `* OK` (and the TLS port accepts), or fail with the log."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}:\n{_output(server)}")
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as conn:
                greeting = conn.recv(100)
            if server.ssl_port:
                socket.create_connection((server.host, server.ssl_port), timeout=1).close()
            if greeting.startswith(b"* OK"):
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"dovecot did not answer within {START_SECONDS} s:\n{_output(server)}")


def _output(server: DovecotServer) -> str:
    console = server.root / "console.log"
    return (console.read_text(errors="replace") if console.exists() else "") + server.log_tail()


def _die_with_pytest() -> None:
    """Runs in the child before exec: a pytest killed outright must not leave a Dovecot behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _libfaketime() -> Path | None:
    found = [path for pattern in LIBFAKETIME for path in sorted(Path("/").glob(pattern.lstrip("/")))]
    return found[0] if found else None


def _fake_environment(library: Path | None) -> dict[str, str]:
    """What puts Dovecot's clock FAKE_OFFSET ahead: given to the master, imported by every child.

    File times stay real (NO_FAKE_STAT): a maildir keeps INTERNALDATE as the
    file's mtime, which a faked stat() would read back FAKE_OFFSET late.
    Monotonic clocks stay real too, for Dovecot's timeouts.
    """
    if library is None:
        return {}
    return {"LD_PRELOAD": str(library), "FAKETIME": FAKE_OFFSET, "NO_FAKE_STAT": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


def _start(root: Path, ca_file: Path | None, tokens: dict, oauth2_port: int,
           fake: dict[str, str]) -> tuple[subprocess.Popen, DovecotServer]:
    server = DovecotServer(root, port=_free_port(), ssl_port=_free_port() if ca_file else None,
                           ca_file=ca_file, tokens=tokens, fake_clock=bool(fake))
    (root / "dovecot.log").unlink(missing_ok=True)  # a failed attempt's log must not confuse the next
    ssl_files = f"ssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem" if ca_file else ""
    (root / "oauth2.conf").write_text(OAUTH2.format(port=oauth2_port))
    (root / "oauth2.conf").chmod(0o644)
    (root / "dovecot.conf").write_text(CONFIG.format(
        name=f"mbtest{os.getpid()}", root=root, ssl="yes" if ca_file else "no", ssl_files=ssl_files,
        port=server.port, ssl_port=server.ssl_port or 0, fake_environment=" ".join(fake)))
    with open(root / "console.log", "wb") as console:
        process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
                                   stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **fake}, preexec_fn=_die_with_pytest)
    try:
        _wait_until_ready(process, server)
        if fake:
            _check_future_dates(server)
    except BaseException:
        _stop(process)
        raise
    return process, server


def _check_future_dates(server: DovecotServer) -> None:
    """Read back a far-future INTERNALDATE: proof that every imap process really runs ahead."""
    probe = server.add_user("probe-future-dates")
    uid = server.append(probe, b"Subject: clock probe\r\n\r\nprobe\r\n", at=PROBE_DATE)
    kept = server.internal_dates(probe)[uid]
    if kept != PROBE_DATE:
        raise RuntimeError(f"libfaketime did not take: APPEND at {PROBE_DATE.isoformat()} came back as "
                           f"{kept.isoformat()} (FAKETIME={FAKE_OFFSET!r}, LD_PRELOAD={_libfaketime()})\n"
                           f"{_output(server)}")


def _unavailable() -> str | None:
    if not DOVECOT.exists():
        return "dovecot not installed: run `make test` as root, or apt-get install dovecot-imapd"
    if os.geteuid() != 0:
        return "dovecot tests need root (mail belongs to nobody): run `make test` as root"
    return None


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """The session's Dovecot: skipped where it cannot run, failed instead when CI=true."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    reason = _unavailable()
    if reason:
        if in_ci:
            pytest.fail(reason)
        pytest.skip(reason)
    if _libfaketime() is None and in_ci:
        pytest.fail(NO_FAKETIME)
    with running_dovecot() as server:
        yield server


@contextmanager
def running_dovecot() -> Iterator[DovecotServer]:
    """A private Dovecot for as long as the block runs (the fixture's, and the benchmarks')."""
    reason = _unavailable()
    if reason:
        raise RuntimeError(reason)
    fake = _fake_environment(_libfaketime())
    # Short and under /tmp: base_dir holds UNIX sockets (108-byte limit) and
    # nobody and dovecot must traverse every directory on the way down.
    root = Path(tempfile.mkdtemp(prefix="mbdov-", dir="/tmp"))
    root.chmod(0o755)
    for part in ("run", "state", "users", "mail", "secrets"):
        (root / part).mkdir(mode=0o755)
    tokens: dict[str, str] = {}
    introspection = _introspection_server(tokens)
    ca_file = _make_certificate(root)
    try:
        for attempt in range(3):  # a free port can be taken between probe and bind
            try:
                process, server = _start(root, ca_file, tokens, introspection.server_address[1], fake)
                break
            except RuntimeError as exc:
                if attempt == 2 or "in use" not in str(exc):
                    raise
        try:
            yield server
        finally:
            _stop(process)
    finally:
        introspection.shutdown()
        introspection.server_close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> ImapUser:
    """A user of its own for this test, with an empty INBOX."""
    return dovecot.add_user()
