"""The pass's running count of automatic answers says what the whole window's grouped count says, as rows come."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from mailbot.db.engine import migrate, open_engine, session_factory
from mailbot.db.models import AutomaticAnswer, OutboxMessage
from mailbot.outbox.answer_cap import AnswersInWindow
from mailbot.outbox.queue import CAP_COUNT, CAP_WINDOW

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)


def _grouped(session) -> frozenset[str]:
    """The cap as one grouped query over the window: what the running count must agree with."""
    return frozenset(session.scalars(select(AutomaticAnswer.address).where(AutomaticAnswer.at > NOW - CAP_WINDOW)
                                     .group_by(AutomaticAnswer.address)
                                     .having(func.count(AutomaticAnswer.id) >= CAP_COUNT)))


def test_the_running_count_agrees_with_the_window_as_answers_are_added(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'mailbot.db'}")
    migrate(engine)
    with session_factory(engine)() as session:
        row = OutboxMessage(dedup_key="k", message_id="<m@x>", kind="acknowledgement", mailbox="m",
                            envelope_from="a@example.org", recipients=[], raw=b"", sha256="", next_attempt_at=NOW,
                            created_at=NOW)
        session.add(row)
        session.flush()

        def answer(address: str, hours_ago: float) -> None:
            session.add(AutomaticAnswer(outbox_id=row.id, address=address, at=NOW - timedelta(hours=hours_ago)))

        for address, hours_ago in (("x", 30), ("x", 2), ("x", 3), ("y", 1), ("y", 2), ("y", 3), ("z", 1)):
            answer(address, hours_ago)   # x's first is outside the window
        session.commit()
        answers = AnswersInWindow(NOW)
        assert answers.at_cap(session) == _grouped(session) == {"y"}
        answer("x", 0)
        answer("z", 0)
        answer("w", 25)   # added late but outside the window: never counted
        session.commit()
        assert answers.at_cap(session) == _grouped(session) == {"x", "y"}
        answer("z", 0)
        session.commit()
        assert answers.at_cap(session) == _grouped(session) == {"x", "y", "z"}
    engine.dispose()
