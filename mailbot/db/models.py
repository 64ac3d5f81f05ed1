"""The tables of the record: what came in, the cases, what happened to them, and what goes out."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """An aware datetime stored as UTC; SQLite drops the zone, so it is put back on reading."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class StorableText(TypeDecorator):
    """Text as the sender wrote it, made storable everywhere (`fit_for_storage`).

    PostgreSQL refuses NUL in text columns (SQLite stores it), so one header
    with a NUL would fail every pass of its mailbox; every text column that a
    sender's words can reach uses this type.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return fit_for_storage(value) if isinstance(value, str) else value


class StorableString(StorableText):
    """A bounded `String(n)` with the NUL rule of `StorableText`, cut to n characters.

    PostgreSQL refuses a value longer than the column (SQLite does not), and
    a display name or address is the sender's to make as long as they like.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        value = super().process_bind_param(value, dialect)
        limit = self.impl.length
        return value[:limit] if isinstance(value, str) and limit and len(value) > limit else value


def fit_for_storage(text: str) -> str:
    """`text` as every database takes it: a NUL becomes U+FFFD, a lone surrogate (a byte a decoder kept) "?".

    PostgreSQL refuses NUL; its driver cannot encode a lone surrogate at all.
    """
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


class Base(DeclarativeBase):
    pass


class MailboxState(Base):
    """Where intake of one folder of one mailbox stopped: its UIDVALIDITY and the last UID recorded."""

    __tablename__ = "mailbox_state"
    mailbox: Mapped[str] = mapped_column(String(100), primary_key=True)
    folder: Mapped[str] = mapped_column(StorableString(200), primary_key=True, default="INBOX")
    uidvalidity: Mapped[int | None] = mapped_column(Integer)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InboundMessage(Base):
    """One distinct message received by a mailbox, with its exact bytes (evidence).

    `dedup_key` is `mid:<Message-ID>`, or `body:<sha256 of the body>` when the
    message has none: the same mail delivered twice is one row.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("mailbox", "dedup_key", name="uq_inbound_mailbox_dedup"),
                      # Threading looks messages up by Message-ID. A hash index on PostgreSQL: a B-tree entry
                      # may not exceed 2,704 bytes, and a sender's Message-ID may be longer.
                      Index("ix_inbound_messages_message_id", "message_id", postgresql_using="hash"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(100), index=True)
    dedup_key: Mapped[str] = mapped_column(StorableString(1000))
    message_id: Mapped[str] = mapped_column(StorableString(1000), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # received -> processed | ignored | quarantined
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    error: Mapped[str] = mapped_column(StorableText, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # False for mail older than answer_backlog_days at a mailbox's first sync: opened for staff, never auto-answered.
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=True)
    flags: Mapped[list] = mapped_column(JSON, default=list)   # e.g. "message-id-reused"
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="message")
    stored: Mapped["RawMessage"] = relationship(cascade="all, delete-orphan", lazy="select")
    # `message.raw`: the bytes, loaded from their own row when asked for (mailbot.intake.stored_bytes reads
    # and writes large ones in chunks).
    raw = association_proxy("stored", "raw", creator=lambda raw: RawMessage(raw=raw))


class RawMessage(Base):
    """The exact bytes of one inbound message, in a row of their own, written once and never updated.

    SQLite rewrites a whole row on every UPDATE, so bytes kept beside the
    status that changes would be copied (twice their size in memory) each
    time a message is processed.
    """

    __tablename__ = "raw_messages"
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), primary_key=True,
                                            autoincrement=False)   # INTEGER PRIMARY KEY: SQLite's rowid
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class Delivery(Base):
    """One arrival of a message on a server (`imap:UIDVALIDITY:UID`, `maildir:NAME`), settled or not."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("mailbox", "source_key", name="uq_delivery_mailbox_source"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(100))
    source_key: Mapped[str] = mapped_column(StorableString(400))
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    settled: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    message: Mapped[InboundMessage] = relationship(back_populates="deliveries")


class Case(Base):
    """A complaint and its lifecycle at one body."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    mailbox: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)   # open | awaiting-details | redirected | closed
    redirected_to: Mapped[str | None] = mapped_column(String(100))
    complainant_name: Mapped[str] = mapped_column(StorableString(300), default="")
    complainant_email: Mapped[str] = mapped_column(StorableString(300), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    third_party: Mapped[bool] = mapped_column(Boolean, default=False)
    review: Mapped[dict | None] = mapped_column(JSON)
    missing: Mapped[list] = mapped_column(JSON, default=list)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    rules: Mapped[list] = mapped_column(JSON, default=list)
    assigned: Mapped[str] = mapped_column(StorableString(300), default="", server_default="")  # single point of contact
    needs: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")   # what awaiting-details waits for
    subject: Mapped[str] = mapped_column(StorableText, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadlines: Mapped[list["Deadline"]] = relationship(back_populates="case", order_by="Deadline.id")
    events: Mapped[list["Event"]] = relationship(back_populates="case", order_by="Event.id")


class Deadline(Base):
    """A deadline computed for a case, stored so that "what is overdue" is a query."""

    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_deadline_case_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(40))          # first-contact, ...
    due: Mapped[date] = mapped_column(Date, index=True)    # met until 00:00 London after this day
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    case: Mapped[Case] = relationship(back_populates="deadlines")


class Event(Base):
    """One line of the append-only audit log: who did what, why, and when."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    actor: Mapped[str] = mapped_column(StorableString(300))   # "mailbot", a staff address, "operator"
    action: Mapped[str] = mapped_column(String(60))           # case-opened, mail-ignored, quarantined, sent ...
    reason: Mapped[str] = mapped_column(StorableText, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    case: Mapped[Case | None] = relationship(back_populates="events")


class OutboxMessage(Base):
    """A message to send, composed in full in the transaction that caused it.

    `dedup_key` (case, kind, and what it answers or which deadline) makes a
    replayed decision harmless; `message_id` is fixed, so a resend after a
    crash is the identical copy.
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(400), unique=True)
    message_id: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    mailbox: Mapped[str] = mapped_column(String(100))
    envelope_from: Mapped[str] = mapped_column(StorableString(300))
    recipients: Mapped[list] = mapped_column(JSON)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    # queued (never tried) | deferred (a temporary failure, tried again later) | sent | failed (for good)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(StorableText, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AutomaticAnswer(Base):
    """One automatic answer counted against one address (normalised), for the cap per address and window.

    An acknowledgement counts against its recipient; a redirect against the
    complainant whose mail it carries; an answer to a forwarded complaint
    against the forwarder too. Counting is an indexed query on `address`.
    """

    __tablename__ = "automatic_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    address: Mapped[str] = mapped_column(StorableString(320), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ReferenceCounter(Base):
    """The last reference number given per prefix and year (`PCP-2026-00042`)."""

    __tablename__ = "reference_counters"
    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Setting(Base):
    """Values the daemon makes for itself on first run (the secret behind our Message-IDs)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ConnectionHealth(Base):
    """Whether mailbot can reach and log in to one server it needs, and whether people were told it cannot.

    `target` is `imap:MAILBOX` or `smtp:HOST:PORT`. A failure that began at
    `failing_since` is reported once (`reported_at`, with `reported_to`:
    the addresses alerted, or "" when it could only be logged); the pass
    that connects again sets `recovered_at` and clears `failing_since`.
    Kept in the database so that separate `run --once` passes report once.
    """

    __tablename__ = "connection_health"
    target: Mapped[str] = mapped_column(String(400), primary_key=True)
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reported_to: Mapped[str] = mapped_column(Text, default="")
    recovered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(StorableText, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
