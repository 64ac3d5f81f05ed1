"""One intake pass of one mailbox folder: fetch what is new, record it, commit, then settle it on the server.

The cursor (UIDVALIDITY and last UID) is kept per (mailbox, folder), so a
folder changed in the config starts from its own. A folder's first sync
(no cursor yet) is the moment a mailbox that already holds mail is
connected: mail received more than `answer_backlog` before now is recorded
and opened for staff but never answered automatically. Its cursor is written
only when the first sync has finished, so a first sync cut short is a first
sync again on the next pass (what it recorded already is skipped).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.db import events
from mailbot.db.engine import make_durable
from mailbot.db.models import Delivery, MailboxState
from mailbot.intake.batches import FetchLimits
from mailbot.intake.raw import MailSource, SyncState
from mailbot.intake.record import record_batch
from mailbot.intake.source_keys import MAILDIR_PREFIX, parse_imap_key

log = logging.getLogger("mailbot.intake")


def intake(source: MailSource, sessions: sessionmaker[Session], *, now: datetime,
           limits: FetchLimits = FetchLimits(), answer_backlog: timedelta = timedelta(days=2)) -> int:
    """Fetch every new delivery of one connected source, record it, commit, then settle it.

    Returns the number of deliveries recorded. Deliveries recorded by an
    earlier pass that stopped before settling are settled first.
    """
    mailbox, folder = source.mailbox, source.folder
    server_state = source.sync_state()
    with sessions() as session:
        state = session.get(MailboxState, (mailbox, folder))
        first_sync = state is None
        recorded = SyncState(state.uidvalidity, state.last_uid) if state and state.uidvalidity is not None else None
        if server_state and recorded and recorded.uidvalidity != server_state.uidvalidity:
            events.record(session, at=now, action="uidvalidity-changed",
                         reason=f"mailbox {mailbox}: UIDVALIDITY {recorded.uidvalidity} -> {server_state.uidvalidity}; "
                                "every message is offered again and recognised by its Message-ID",
                         detail={"mailbox": mailbox, "old": recorded.uidvalidity, "new": server_state.uidvalidity})
            session.commit()
        _settle_leftovers(session, source, server_state)
    answer_before = now - answer_backlog if first_sync else None
    if first_sync:
        log.info("mailbox %s folder %r: first sync; mail received before %s is opened for staff, not answered",
                 mailbox, folder, answer_before.isoformat())
    uidvalidity = server_state.uidvalidity if server_state else None
    count = last_uid = 0
    for batch in source.fetch_new(after=recorded, limits=limits):
        log.info("mailbox %s: fetched %d message(s)", mailbox, len(batch))
        with sessions() as session:
            keys = record_batch(session, batch, now=now, answer_before=answer_before)
            if server_state is not None:
                last_uid = max([last_uid, *(parse_imap_key(key).uid for key in keys)])
                if not first_sync:
                    _save_state(session, mailbox, folder, uidvalidity, last_uid, now)
            session.commit()
            make_durable(session)   # on disk before anything changes on the server
        del batch  # recorded: no bodies are held while the next batch is fetched
        log.info("mailbox %s: recorded %d message(s)", mailbox, len(keys))
        count += len(keys)
        source.settle(keys)
        with sessions() as session:
            _mark_settled(session, mailbox, keys)
            session.commit()
    if first_sync:
        with sessions() as session:
            _save_state(session, mailbox, folder, uidvalidity, last_uid, now)
            session.commit()
    return count


def _save_state(session: Session, mailbox: str, folder: str, uidvalidity: int | None, last_uid: int,
                now: datetime) -> None:
    state = session.get(MailboxState, (mailbox, folder))
    if state is None:
        session.add(MailboxState(mailbox=mailbox, folder=folder, uidvalidity=uidvalidity, last_uid=last_uid,
                                 updated_at=now))
    else:
        if state.uidvalidity != uidvalidity:
            state.uidvalidity, state.last_uid = uidvalidity, 0
        state.last_uid = max(state.last_uid, last_uid)
        state.updated_at = now


def _settle_leftovers(session: Session, source: MailSource, server_state: SyncState | None) -> None:
    """Settle this source's deliveries recorded but not settled; give up on those of an old numbering."""
    rows = session.scalars(select(Delivery).where(Delivery.mailbox == source.mailbox,
                                                  Delivery.settled.is_(False))).all()
    if rows:
        make_durable(session)   # what an earlier pass recorded is on disk before it is settled
    if server_state is None:
        mine = [row for row in rows if row.source_key.startswith(MAILDIR_PREFIX)]
    else:
        mine = []
        for row in rows:
            key = parse_imap_key(row.source_key)
            if key is None or key.folder not in (None, source.folder):
                continue  # another folder's: settled when that folder is watched again
            if key.uidvalidity == server_state.uidvalidity:
                mine.append(row)
            else:
                row.settled = True  # that numbering is gone; the message is in the record
    if mine:
        keys = [row.source_key for row in mine]
        log.info("mailbox %s: settling %d message(s) recorded by an earlier pass", source.mailbox, len(keys))
        source.settle(keys)
        for row in mine:
            row.settled = True
    session.commit()


def _mark_settled(session: Session, mailbox: str, keys: list[str]) -> None:
    for row in session.scalars(select(Delivery).where(Delivery.mailbox == mailbox, Delivery.source_key.in_(keys))):
        row.settled = True
