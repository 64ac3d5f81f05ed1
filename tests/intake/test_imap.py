"""ImapSource against a real Dovecot: what is offered, in what order, and what settling changes."""

from __future__ import annotations

import socket
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.errors import SourceError
from mailbot.intake.batches import FetchLimits
from mailbot.intake.imap import ImapSource
from mailbot.intake.raw import SyncState
from mailbot.settings import OAuthSettings, Secret

pytestmark = pytest.mark.dovecot

LONDON = ZoneInfo("Europe/London")
CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
MAILBOX = "democratic-services"


def complaint(number: int) -> bytes:
    """A small message with CRLF line ends (as SMTP delivers) and 8-bit UTF-8 text."""
    return (f"From: Complainant {number} <c{number}@example.org>\r\n"
            f"To: democratic.services@peterborough.gov.uk\r\n"
            f"Subject: Complaint {number}\r\n"
            f"Message-ID: <complaint-{number}@example.org>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"The officer\u2019s conduct on the 3rd \u2014 number {number}.\r\n").encode("utf-8")


def corpus_message(name: str) -> bytes:
    return (CORPUS / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# Receipt times on both sides of the change to British Summer Time, one given in another zone.
TIMES = [
    datetime(2026, 3, 27, 16, 59, 30, tzinfo=LONDON),          # GMT, a Friday afternoon
    datetime(2026, 3, 30, 9, 0, 5, tzinfo=LONDON),             # BST
    datetime(2026, 3, 30, 10, 30, tzinfo=timezone(timedelta(hours=-5))),
]


@pytest.fixture
def three(dovecot, imap_user):
    """GIVEN three complaints delivered at TIMES, the last a real corpus message."""
    raws = [complaint(1), complaint(2), corpus_message("p01-panel-pcc-public-meeting.eml")]
    uids = [dovecot.append(imap_user, raw, at=at) for raw, at in zip(raws, TIMES)]
    return raws, uids


def source(dovecot, user, **changes) -> ImapSource:
    options = {key: changes.pop(key) for key in ("folder", "move_to") if key in changes}
    return ImapSource(MAILBOX, dovecot.settings(user, **changes), **options)


def fetch_batches(imap_source, *, after=None, **limits):
    return list(imap_source.fetch_new(after=after, limits=FetchLimits(**limits)))


def test_offers_every_message_oldest_first_with_exact_bytes_and_receipt_time(dovecot, imap_user, three):
    raws, uids = three
    with source(dovecot, imap_user) as imap:
        uidvalidity = imap.sync_state().uidvalidity
        [batch] = fetch_batches(imap)
    assert [mail.source_key for mail in batch] == [f"imap:INBOX:{uidvalidity}:{uid}" for uid in uids]
    assert [mail.raw for mail in batch] == raws
    assert [mail.received_at for mail in batch] == TIMES
    assert all(mail.received_at.utcoffset() == timedelta(0) for mail in batch)
    assert {mail.mailbox for mail in batch} == {MAILBOX}


def test_sync_state_is_the_servers_uidvalidity(dovecot, imap_user, three):
    with source(dovecot, imap_user) as imap:
        assert imap.sync_state() == SyncState(dovecot.uidvalidity(imap_user), 0)


def test_batches_respect_batch_size(dovecot, imap_user, three):
    with source(dovecot, imap_user) as imap:
        batches = fetch_batches(imap, batch_size=2)
    assert [len(batch) for batch in batches] == [2, 1]
    assert [mail.raw for batch in batches for mail in batch] == three[0]


def test_only_messages_after_the_recorded_uid_are_offered(dovecot, imap_user, three):
    raws, uids = three
    with source(dovecot, imap_user) as imap:
        uidvalidity = imap.sync_state().uidvalidity
        [batch] = fetch_batches(imap, after=SyncState(uidvalidity, last_uid=uids[1]))
        # `UID n:*` matches the newest message even when n is beyond it.
        assert fetch_batches(imap, after=SyncState(uidvalidity, last_uid=uids[2])) == []
    assert [mail.source_key for mail in batch] == [f"imap:INBOX:{uidvalidity}:{uids[2]}"]
    assert batch[0].raw == raws[2]


def test_an_empty_folder_offers_nothing(dovecot, imap_user):
    with source(dovecot, imap_user) as imap:
        assert fetch_batches(imap) == []


def test_a_receipt_time_in_2027_is_kept_exactly(dovecot, imap_user):
    """GIVEN mail delivered at dates weeks and a year past today's wall clock (the corpus reaches 5 Jan 2027)
    THEN the server keeps each INTERNALDATE to the second instead of putting its own clock in
    (plain Dovecot 2.3 would: the test server's clock runs ahead under libfaketime)
    AND the source offers those times."""
    later = [datetime(2027, 1, 5, 10, 0, tzinfo=LONDON),
             datetime(2027, 7, 1, 8, 30, 15, tzinfo=LONDON),              # BST
             datetime(2027, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=5, minutes=30)))]
    uids = [dovecot.append(imap_user, complaint(number), at=at) for number, at in enumerate(later, 1)]

    assert dovecot.internal_dates(imap_user) == dict(zip(uids, later))
    with source(dovecot, imap_user) as imap:
        [batch] = fetch_batches(imap)
    assert [mail.received_at for mail in batch] == later


def test_fetching_changes_no_flags(dovecot, imap_user, three):
    with source(dovecot, imap_user) as imap:
        fetch_batches(imap)
    assert dovecot.flags(imap_user) == {uid: set() for uid in three[1]}


def test_settle_sets_seen_on_exactly_the_settled_messages(dovecot, imap_user, three):
    uids = three[1]
    with source(dovecot, imap_user) as imap:
        [batch] = fetch_batches(imap)
        imap.settle([batch[0].source_key, batch[2].source_key])
    assert dovecot.flags(imap_user) == {uids[0]: {"\\Seen"}, uids[1]: set(), uids[2]: {"\\Seen"}}


def test_a_message_read_first_in_outlook_is_still_taken_in(dovecot, imap_user):
    """GIVEN a complaint a member of staff has already opened (\\Seen) before the daemon ran."""
    dovecot.append(imap_user, complaint(1), at=TIMES[0], flags=["\\Seen"])
    dovecot.append(imap_user, complaint(2), at=TIMES[1])
    with source(dovecot, imap_user) as imap:
        [batch] = fetch_batches(imap)
    assert [mail.raw for mail in batch] == [complaint(1), complaint(2)]


def test_move_to_moves_settled_messages(dovecot, imap_user, three):
    raws, uids = three
    dovecot.create_folder(imap_user, "Recorded")
    with source(dovecot, imap_user, move_to="Recorded") as imap:
        [batch] = fetch_batches(imap)
        imap.settle([batch[1].source_key])
    assert sorted(dovecot.messages(imap_user).values()) == sorted([raws[0], raws[2]])
    assert list(dovecot.messages(imap_user, "Recorded").values()) == [raws[1]]


def test_move_without_the_move_capability_copies_and_expunges_only_ours(dovecot, imap_user, three, monkeypatch):
    """GIVEN a server without MOVE and a message someone else marked \\Deleted but did not expunge."""
    raws, uids = three
    dovecot.create_folder(imap_user, "Recorded")
    with dovecot.client(imap_user) as other:
        other.select_folder("INBOX")
        other.add_flags([uids[2]], ["\\Deleted"])
    with source(dovecot, imap_user, move_to="Recorded") as imap:
        [batch] = fetch_batches(imap)
        real = imap._client.has_capability
        monkeypatch.setattr(imap._client, "has_capability", lambda name: name != "MOVE" and real(name))
        imap.settle([batch[0].source_key])
    assert set(dovecot.messages(imap_user)) == {uids[1], uids[2]}
    assert list(dovecot.messages(imap_user, "Recorded").values()) == [raws[0]]


def test_a_folder_other_than_inbox(dovecot, imap_user):
    dovecot.append(imap_user, complaint(7), folder="Complaints", at=TIMES[0])
    with source(dovecot, imap_user, folder="Complaints") as imap:
        [batch] = fetch_batches(imap)
    assert [mail.raw for mail in batch] == [complaint(7)]


def test_a_changed_uidvalidity_offers_every_message_again(dovecot, imap_user, three, caplog):
    with source(dovecot, imap_user) as imap:
        old = imap.sync_state().uidvalidity
        [batch] = fetch_batches(imap)
    new = dovecot.change_uidvalidity(imap_user)
    with source(dovecot, imap_user) as imap:
        assert imap.sync_state().uidvalidity == new != old
        [again] = fetch_batches(imap, after=SyncState(old, last_uid=three[1][-1]))
        imap.settle([mail.source_key for mail in batch])  # keys of the old numbering: ignored
    assert [mail.raw for mail in again] == three[0]
    assert all(mail.source_key.startswith(f"imap:INBOX:{new}:") for mail in again)
    assert f"UIDVALIDITY changed from {old}" in caplog.text and str(new) in caplog.text and MAILBOX in caplog.text
    assert dovecot.flags(imap_user) == {uid: set() for uid in three[1]}


def test_renumbering_under_an_open_session_is_a_source_error(dovecot, imap_user, three):
    with source(dovecot, imap_user) as imap:
        dovecot.change_uidvalidity(imap_user)  # Dovecot disconnects the session
        with pytest.raises(SourceError, match=MAILBOX):
            fetch_batches(imap)


def test_a_missing_folder_is_a_source_error(dovecot, imap_user):
    with pytest.raises(SourceError, match="selecting the folder"):
        with source(dovecot, imap_user, folder="No Such Folder"):
            pass


def test_a_wrong_password_fails_quickly_and_does_not_slow_later_logins(dovecot, imap_user, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password-x7\n")
    started = time.monotonic()
    with pytest.raises(SourceError) as failure:
        with source(dovecot, imap_user, password=Secret(file=wrong)):
            pass
    assert time.monotonic() - started < 2
    message = str(failure.value)
    assert "authentication failed" in message and MAILBOX in message and f"127.0.0.1:{dovecot.port}" in message
    assert "not-the-password-x7" not in message
    started = time.monotonic()
    with source(dovecot, imap_user):  # no auth penalty for the next login from 127.0.0.1
        pass
    assert time.monotonic() - started < 1


def test_a_refused_port_is_a_source_error_naming_host_and_port(dovecot, imap_user):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(SourceError, match=f"{MAILBOX}.*127.0.0.1:{closed_port}.*connecting"):
        with source(dovecot, imap_user, port=closed_port):
            pass


def test_a_server_that_never_greets_is_a_source_error_within_the_timeout(dovecot, imap_user):
    with socket.socket() as silent:  # accepts connections (backlog) but never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.monotonic()
        with pytest.raises(SourceError, match="timed out"):
            with source(dovecot, imap_user, port=silent.getsockname()[1], timeout=0.5):
                pass
        assert time.monotonic() - started < 2


@pytest.mark.parametrize("tls", ["ssl", "starttls"])
def test_tls_modes_trust_the_given_ca(dovecot, imap_user, tls):
    if dovecot.ca_file is None:
        pytest.skip("no openssl: the test server has no certificate")
    dovecot.append(imap_user, complaint(1), at=TIMES[0])
    with source(dovecot, imap_user, tls=tls) as imap:
        [batch] = fetch_batches(imap)
    assert batch[0].raw == complaint(1)


@pytest.mark.parametrize("tls", ["ssl", "starttls"])
def test_tls_modes_refuse_an_untrusted_certificate(dovecot, imap_user, tls):
    if dovecot.ca_file is None:
        pytest.skip("no openssl: the test server has no certificate")
    with pytest.raises(SourceError, match="CERTIFICATE_VERIFY_FAILED"):
        with source(dovecot, imap_user, tls=tls, ca_file=None):
            pass


def token_command(*python: str) -> OAuthSettings:
    """The command provider's settings for a Python one-liner (its stdout is the token)."""
    return OAuthSettings(provider="command", token_command=(sys.executable, "-c", "; ".join(python)))


def test_oauth2_logs_in_with_the_token_the_command_prints(dovecot, imap_user):
    token = dovecot.add_token(imap_user)
    dovecot.append(imap_user, complaint(1), at=TIMES[0])
    settings = dict(auth="oauth2", oauth=token_command(f"print('  {token}  ')"))
    with source(dovecot, imap_user, **settings) as imap:
        [batch] = fetch_batches(imap)
    assert batch[0].raw == complaint(1)


def test_oauth2_with_a_revoked_token_is_an_authentication_failure(dovecot, imap_user):
    token = dovecot.add_token(imap_user)
    dovecot.revoke_token(token)
    with pytest.raises(SourceError, match="the server refused the token") as failure:
        with source(dovecot, imap_user, auth="oauth2", oauth=token_command(f"print('{token}')")):
            pass
    assert token not in str(failure.value)


@pytest.mark.parametrize("python, expected", [
    (["import sys", "sys.stderr.write('refresh token expired\\n')", "sys.exit(3)"], "status 3: refresh token expired"),
    (["print('')"], "printed no token"),
    (["import time", "time.sleep(5)"], "no token within"),
])
def test_a_failing_token_command_is_a_source_error(dovecot, imap_user, python, expected):
    started = time.monotonic()
    with pytest.raises(SourceError, match=expected):
        with source(dovecot, imap_user, auth="oauth2", oauth=token_command(*python), timeout=0.5):
            pass
    assert time.monotonic() - started < 3


def test_leaving_the_context_logs_out(dovecot, imap_user):
    imap = source(dovecot, imap_user)
    with imap:
        pass
    with pytest.raises(RuntimeError, match="not connected"):
        imap.sync_state()


def test_batches_are_bounded_by_bytes_as_well_as_by_count(dovecot, imap_user):
    raws = [complaint(number) + b"x" * 3000 for number in range(1, 6)]
    for raw in raws:
        dovecot.append(imap_user, raw, at=TIMES[0])
    with source(dovecot, imap_user) as imap:
        batches = fetch_batches(imap, batch_size=100, batch_bytes=7000)
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert [mail.raw for batch in batches for mail in batch] == raws


def test_a_message_over_the_limit_is_never_fetched_whole_but_read_in_chunks(dovecot, imap_user):
    """GIVEN a small complaint, one over the mailbox's limit, and another small one."""
    big = complaint(2) + (bytes(range(14, 256)) + b"\r\n") * 400   # 8-bit lines, CRLF as the server keeps them
    raws = [complaint(1), big, complaint(3)]
    uids = [dovecot.append(imap_user, raw, at=at) for raw, at in zip(raws, TIMES)]
    with source(dovecot, imap_user) as imap:
        uidvalidity = imap.sync_state().uidvalidity
        batches = list(imap.fetch_new(after=None, limits=FetchLimits(max_message_bytes=len(big) - 1,
                                                                    chunk_bytes=4096)))
        [large] = batches[1]
        chunks = list(large.read())     # read while the source is connected, as intake does
    assert [[type(mail).__name__ for mail in batch] for batch in batches] == [["RawMail"], ["LargeMail"], ["RawMail"]]
    assert large.source_key == f"imap:INBOX:{uidvalidity}:{uids[1]}" and large.received_at == TIMES[1]
    assert large.size == len(big) and large.limit == len(big) - 1
    assert b"".join(chunks) == big and max(map(len, chunks)) == 4096
    assert dovecot.flags(imap_user) == {uid: set() for uid in uids}   # BODY.PEEK: nothing marked read


def test_two_folders_with_one_uidvalidity_never_share_a_source_key(dovecot, imap_user):
    """Servers may give two folders the same UIDVALIDITY: the source key names the folder, so the first
    message of one is never taken for the first message of the other (and skipped as recorded)."""
    dovecot.append(imap_user, complaint(1), at=TIMES[0])
    dovecot.append(imap_user, complaint(2), folder="Complaints", at=TIMES[0])
    same = dovecot.uidvalidity(imap_user)
    dovecot.doveadm("mailbox", "update", "-u", imap_user.name, "--uid-validity", str(same), "Complaints")
    with source(dovecot, imap_user) as inbox, source(dovecot, imap_user, folder="Complaints") as complaints:
        assert complaints.sync_state().uidvalidity == same
        [[in_inbox]] = fetch_batches(inbox)
        [[in_complaints]] = fetch_batches(complaints)
        complaints.settle([in_inbox.source_key])        # another folder's key: ignored
    assert in_inbox.source_key != in_complaints.source_key
    assert dovecot.flags(imap_user, "Complaints") == {1: set()}


def test_a_source_key_recorded_before_keys_named_the_folder_is_still_settled(dovecot, imap_user, three):
    uids = three[1]
    with source(dovecot, imap_user) as imap:
        uidvalidity = imap.sync_state().uidvalidity
        imap.settle([f"imap:{uidvalidity}:{uids[0]}"])
    assert dovecot.flags(imap_user)[uids[0]] == {"\\Seen"}
