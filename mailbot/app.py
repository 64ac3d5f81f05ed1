"""The loaded installation: settings, rule set, templates and the database, checked together."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.clock import Clock
from mailbot.config import find_config, load_settings
from mailbot.db.engine import migrate, open_engine, session_factory
from mailbot.db.models import Setting
from mailbot.errors import ConfigError
from mailbot.outbox.templates import TemplateSet
from mailbot.settings import MailboxSettings, Settings
from mailbot.triage import Body, RuleSet, load_ruleset

log = logging.getLogger("mailbot")
_SECRET_KEY = "message-id-secret"


@dataclass
class App:
    """Everything one run needs, loaded once: what the CLI commands share."""

    settings: Settings
    ruleset: RuleSet
    templates: TemplateSet
    clock: Clock
    sessions: sessionmaker[Session] | None = None
    secret: bytes = b""

    def body_of(self, mailbox: MailboxSettings) -> Body:
        return self.ruleset.body_of(mailbox.name)

    @property
    def own_addresses(self) -> set[str]:
        """Every watched mailbox address: mail from them is ours and is never answered."""
        return {mailbox.address for mailbox in self.settings.mailboxes}


def load_app(config: str | Path | None, *, clock: Clock = Clock(), database: bool = True) -> App:
    """Load and cross-check config, rules and templates; open (and migrate) the database if asked."""
    settings = load_settings(find_config(config))
    ruleset = load_ruleset(settings.rules_dir, settings.deployment)
    problems = [
        f"{settings.path}: mailboxes: {mailbox.name!r} is not a mailbox of deployment {settings.deployment!r} "
        f"(known: {', '.join(ruleset.mailboxes)})"
        for mailbox in settings.mailboxes if mailbox.name not in ruleset.mailboxes
    ]
    if problems:
        raise ConfigError(problems)
    templates = TemplateSet(settings.templates_dir, settings.deployment)
    app = App(settings=settings, ruleset=ruleset, templates=templates, clock=clock)
    if database:
        open_database(app)
    return app


def open_database(app: App) -> None:
    """Open the record, bring its schema up to date, and make the daemon's own secret on first run."""
    engine = open_engine(app.settings.storage_url)
    try:
        migrate(engine)
    except OperationalError as error:
        raise ConfigError(f"{app.settings.path}: storage.url: cannot open the database: {error.orig}") from error
    app.sessions = session_factory(engine)
    app.secret = _own_secret(app.sessions)


def _own_secret(sessions: sessionmaker[Session]) -> bytes:
    with sessions() as session:
        row = session.get(Setting, _SECRET_KEY)
        if row is None:
            session.add(Setting(key=_SECRET_KEY, value=secrets.token_hex(32)))
            try:
                session.commit()
                log.info("made the secret that signs our Message-IDs (kept in the database)")
            except IntegrityError:
                session.rollback()  # another daemon made it first
            row = session.get(Setting, _SECRET_KEY)
        return bytes.fromhex(row.value)
