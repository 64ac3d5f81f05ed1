"""Which case a message answers (`find_thread`, on SQLite and PostgreSQL), and whether a staff claim holds."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select

from mailbot.cases.threading import MAX_IDS, answered_ids, find_thread, staff_claim
from mailbot.db.models import Case, InboundMessage, OutboxMessage
from mailbot.kinds import Kind
from mailbot.outbox.message_ids import new_message_id
from mailbot.outbox.reply_tokens import nonce_with, reply_address, staff_token
from mailbot.parse import parse_message
from mailbot.parse.message import Message
from mailbot.triage.known import Token

SECRET = b"the installation's secret, for tests"
NOW = datetime(2026, 12, 15, 9, 0, tzinfo=timezone.utc)
PANEL_ADDRESS = "democratic.services@peterborough.gov.uk"
DOMAIN = "peterborough.gov.uk"
ANNA, BEN = "anna.clerk@peterborough.gov.uk", "ben.officer@peterborough.gov.uk"
STAFF = frozenset({ANNA, BEN})
OWN = frozenset({PANEL_ADDRESS, "cambs-pcc@cambs.pnn.police.uk"})
JANE = "jane.doe@example.org"
REF, OTHER_REF = "PCP-2026-00042", "PCP-2026-00043"


def mail(*, sender: str = f"Jane Doe <{JANE}>", to: str = PANEL_ADDRESS, subject: str = "Re: Your complaint",
         in_reply_to: str = "", references: str = "", body: str = "Thank you.\n") -> Message:
    head = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", "Message-ID: <reply@example.org>"]
    head += [f"In-Reply-To: {in_reply_to}"] if in_reply_to else []
    head += [f"References: {references}"] if references else []
    return parse_message(("\n".join(head) + "\nContent-Type: text/plain\n\n" + body).encode())


def signed(ref: str | None = REF, kind: Kind = Kind.ACKNOWLEDGEMENT, *, token: str = "", secret: bytes = SECRET) -> str:
    return new_message_id(secret, domain=DOMAIN, case_ref=ref, kind=kind, nonce=nonce_with(token) if token else None)


OLDER_ID = new_message_id(b"last year's secret", domain=DOMAIN, case_ref=REF, kind=Kind.ACKNOWLEDGEMENT)


def to_staff(address: str, ref: str = REF) -> str:
    """The Message-ID of a staff notification to `address`, carrying its reply token as the outbox makes it."""
    return signed(ref, Kind.STAFF_NOTIFICATION, token=staff_token(SECRET, ref, address))


@pytest.fixture
def record(sessions):
    """Two cases of Jane's, one inbound and one outbound message on the first; the session to look them up."""
    with sessions() as session:
        first = Case(ref=REF, mailbox="democratic-services", body="cambs-panel", status="awaiting-details",
                     complainant_email="Jane.Doe@Example.ORG", complainant_name="Jane Doe", anonymous=True,
                     needs=["name-and-address"], assigned=BEN, received_at=NOW, opened_at=NOW)
        second = Case(ref=OTHER_REF, mailbox="democratic-services", body="cambs-panel", status="open",
                      complainant_email=JANE, received_at=NOW, opened_at=NOW)
        session.add_all([first, second])
        session.flush()
        session.add(InboundMessage(mailbox="democratic-services", dedup_key="mid:<complaint@example.org>",
                                   message_id="<complaint@example.org>", sha256="0" * 64, received_at=NOW,
                                   recorded_at=NOW, case_id=first.id))
        session.add(OutboxMessage(dedup_key=f"{REF}:acknowledgement:in-1", kind="acknowledgement", case_id=first.id,
                                  message_id=OLDER_ID, mailbox="democratic-services",
                                  envelope_from=PANEL_ADDRESS, recipients=[JANE], raw=b"x", sha256="0" * 64,
                                  next_attempt_at=NOW, created_at=NOW))
        session.commit()
        yield session


# --- find_thread ------------------------------------------------------------------------------------------------------

def test_our_signed_message_id_in_in_reply_to_names_the_case(record):
    thread = find_thread(record, SECRET, mail(in_reply_to=signed(OTHER_REF), sender="someone@example.net"))
    assert thread is not None and thread.ref == OTHER_REF and "answers our acknowledgement" in thread.how


def test_the_thread_carries_what_the_case_waits_for(record):
    thread = find_thread(record, SECRET, mail(in_reply_to=signed()))
    assert (thread.ref, thread.mailbox, thread.body, thread.status) == (REF, "democratic-services", "cambs-panel",
                                                                       "awaiting-details")
    assert thread.needs == ("name-and-address",) and thread.assigned == BEN and thread.anonymous
    assert not thread.details_asked_again


def test_the_one_reminder_sent_is_known(record):
    """The outbox keys the one reminder `REF:request-details:details-again`: a thread must see it was sent."""
    case_id = record.scalar(select(Case.id).where(Case.ref == REF))
    record.add(OutboxMessage(dedup_key=f"{REF}:request-details:details-again", kind="request-details",
                             case_id=case_id, message_id=signed(kind=Kind.REQUEST_DETAILS),
                             mailbox="democratic-services", envelope_from=PANEL_ADDRESS, recipients=[JANE], raw=b"x",
                             sha256="0" * 64, next_attempt_at=NOW, created_at=NOW))
    record.flush()
    assert find_thread(record, SECRET, mail(in_reply_to=signed())).details_asked_again


@pytest.mark.parametrize("answered", [
    signed(REF, secret=b"another installation"),                          # not ours
    signed(REF).replace(".acknowledgement.", ".correspondence."),           # ours, altered
    signed("PCP-2026-99999"),                                              # ours, for a case not in the record
])
def test_an_id_that_is_not_ours_or_names_no_case_threads_nothing(record, answered):
    assert find_thread(record, SECRET, mail(in_reply_to=answered, sender="x@example.net")) is None


def test_a_references_chain_naming_an_inbound_message_of_the_case(record):
    message = mail(references="<root@example.net> <complaint@example.org> <someone-else@example.net>",
                   sender="other@example.net")
    thread = find_thread(record, SECRET, message)
    assert thread is not None and thread.ref == REF and thread.how == "answers a message of the case"


def test_an_outbox_message_of_the_case_threads_even_signed_with_an_older_secret(record):
    thread = find_thread(record, SECRET, mail(in_reply_to=OLDER_ID))
    assert thread is not None and thread.ref == REF


def test_the_subject_tag_threads_from_the_complainant_only(record):
    subject = f"Re: [{REF}] Your complaint"
    thread = find_thread(record, SECRET, mail(subject=subject))
    assert thread is not None and thread.ref == REF and "subject" in thread.how
    assert find_thread(record, SECRET, mail(subject=subject, sender="mallory@example.net")) is None
    assert find_thread(record, SECRET, mail(subject=f"Re: [{REF.lower()}] Your complaint")).ref == REF


def test_the_sender_alone_threads_nothing(record):
    assert find_thread(record, SECRET, mail(subject="Another complaint", body="A second, unrelated matter.\n")) is None


def test_a_staff_token_names_the_case_directly(record):
    thread = find_thread(record, SECRET, mail(sender=ANNA), case_ref=OTHER_REF)
    assert thread.ref == OTHER_REF and "staff token" in thread.how
    assert find_thread(record, SECRET, mail(sender=ANNA), case_ref="PCP-2026-99999") is None


@contextmanager
def statements(session):
    """The parameters of every SQL statement the session runs inside the block."""
    seen: list = []
    engine = session.get_bind()

    def record_statement(_connection, _cursor, _statement, parameters, _context, _executemany):
        seen.append(parameters)

    event.listen(engine, "before_cursor_execute", record_statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record_statement)


def test_a_hostile_references_header_is_bounded_and_fast(record):
    forged = " ".join(signed(REF, secret=b"not ours").replace("@", f"{n}@") for n in range(10_000))
    started = time.perf_counter()
    message = mail(in_reply_to="<complaint@example.org>", references=forged)
    thread = find_thread(record, SECRET, message)
    assert thread is not None and thread.ref == REF
    assert len(answered_ids(message)) <= MAX_IDS
    assert time.perf_counter() - started < 5


def test_find_thread_reads_only_the_newest_references(record):
    ids = [f"<junk{n}@example.net>" for n in range(10_000)]
    ids[0] = ids[5_000] = "<complaint@example.org>"          # the root and the middle: not the newest
    message = Message(message_id="<r@example.org>", sender="x@example.net", display_name="", reply_to="", to=(),
                      cc=(), subject="Re: hello", date_header="", text="", html="", references=tuple(ids))
    started = time.perf_counter()
    with statements(record) as seen:
        assert find_thread(record, SECRET, message) is None
    assert time.perf_counter() - started < 2
    assert len(seen) <= 4
    assert all(len(parameters) <= MAX_IDS + 2 for parameters in seen if hasattr(parameters, "__len__"))
    assert answered_ids(message)[0] == ids[-1] and len(answered_ids(message)) == MAX_IDS


# --- staff_claim ------------------------------------------------------------------------------------------------------

def claim(message: Message):
    return staff_claim(SECRET, message, staff=STAFF, own=OWN)


def test_a_token_in_the_plus_address_is_valid():
    to = reply_address(PANEL_ADDRESS, REF, staff_token(SECRET, REF, ANNA))
    found = claim(mail(sender="Anna Clerk <Anna.Clerk@Peterborough.gov.uk>", to=to))
    assert found.token == Token.VALID and found.valid and found.case_ref == REF and found.address == ANNA


def test_a_token_in_the_message_id_answered_is_valid():
    found = claim(mail(sender=ANNA, in_reply_to=to_staff(ANNA)))
    assert (found.token, found.case_ref) == (Token.VALID, REF)


def test_both_tokens_as_an_ordinary_reply_brings_them_back_are_valid():
    to = reply_address(PANEL_ADDRESS, REF, staff_token(SECRET, REF, ANNA))
    found = claim(mail(sender=ANNA, to=to, in_reply_to=to_staff(ANNA), references=f"<c@x.org> {to_staff(ANNA)}"))
    assert (found.token, found.case_ref) == (Token.VALID, REF)


def test_an_altered_token_is_refused():
    token = staff_token(SECRET, REF, ANNA)
    altered = ("b" if token[0] != "b" else "c") + token[1:]
    found = claim(mail(sender=ANNA, to=reply_address(PANEL_ADDRESS, REF, altered)))
    assert found.token == Token.ALTERED and not found.valid and found.case_ref is None


def test_a_token_moved_to_another_case_is_refused():
    found = claim(mail(sender=ANNA, to=reply_address(PANEL_ADDRESS, OTHER_REF, staff_token(SECRET, REF, ANNA))))
    assert found.token == Token.ALTERED


def test_a_token_made_without_our_secret_is_refused():
    found = claim(mail(sender=ANNA, to=reply_address(PANEL_ADDRESS, REF, staff_token(b"guess", REF, ANNA))))
    assert found.token == Token.ALTERED


def test_a_token_for_another_staff_address_is_refused():
    assert claim(mail(sender=ANNA, to=reply_address(PANEL_ADDRESS, REF, staff_token(SECRET, REF, BEN)))).token \
        == Token.OTHER_ADDRESS
    # Ben forwarded his notification to Anna, who replies to the forward: his token is in References.
    found = claim(mail(sender=ANNA, in_reply_to="<fwd@peterborough.gov.uk>",
                       references=f"{to_staff(BEN)} <fwd@peterborough.gov.uk>"))
    assert found.token == Token.OTHER_ADDRESS


@pytest.mark.parametrize("how", ["plus-address", "in-reply-to"])
def test_a_staff_token_from_a_non_staff_sender_is_refused(how):
    token = staff_token(SECRET, REF, ANNA)
    message = mail(sender="mallory@example.net", to=reply_address(PANEL_ADDRESS, REF, token)) if how == "plus-address" \
        else mail(sender="mallory@example.net", in_reply_to=to_staff(ANNA))
    found = claim(message)
    assert found.token == Token.NOT_STAFF and found.address == "mallory@example.net" and not found.valid


def test_a_staff_sender_without_a_token_has_an_absent_one():
    found = claim(mail(sender=ANNA, subject=f"Re: [{REF}] New complaint", in_reply_to=signed(REF)))
    assert found.token == Token.ABSENT and not found.valid


def test_a_plus_address_on_a_foreign_domain_is_no_token():
    to = reply_address("democratic.services@evil.example", REF, staff_token(SECRET, REF, ANNA))
    assert claim(mail(sender=ANNA, to=to)).token == Token.ABSENT


def test_tokens_for_two_cases_are_refused():
    to = reply_address(PANEL_ADDRESS, REF, staff_token(SECRET, REF, ANNA))
    found = claim(mail(sender=ANNA, to=to, in_reply_to=to_staff(ANNA, OTHER_REF)))
    assert found.token == Token.ALTERED and found.case_ref is None


def test_mail_that_claims_nothing_is_no_claim():
    assert claim(mail(in_reply_to=signed(REF))) is None
    assert claim(mail(sender="mallory@example.net", subject=f"Re: [{REF}] New complaint")) is None
