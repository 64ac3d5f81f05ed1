"""The loaded installation: settings, rule set, templates and the database, checked together."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.addresses import bare, normalised
from mailbot.cases.threading import find_thread, staff_claim
from mailbot.clock import LONDON, Clock
from mailbot.config import find_config, load_settings
from mailbot.db.engine import NoDatabase, has_schema, migrate, open_engine, session_factory, shown_url
from mailbot.db.models import Setting
from mailbot.errors import ConfigError
from mailbot.kinds import Kind
from mailbot.outbox.message_ids import is_ours
from mailbot.outbox.template_samples import sample_context, sample_decision
from mailbot.outbox.templates import TemplateSet
from mailbot.settings import MailboxSettings, Settings
from mailbot.parse.message import Message
from mailbot.outbox.answer_cap import AnswersInWindow
from mailbot.triage import Body, Known, RuleSet, load_ruleset
from mailbot.triage.known import Mailbox
from mailbot.triage.letters import COMPLAINANT_KIND

log = logging.getLogger("mailbot")
_SECRET_KEY = "message-id-secret"
# Without its template a kind of mail could never go (a reminder, a staff reply, an alert): a templates
# folder that lacks one is refused at start, not found out on the day it is needed.
REQUIRED_KINDS = tuple(Kind)   # every kind: each is sent by some decision, timer or alert


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

    @property
    def staff_addresses(self) -> set[str]:
        """Every listed staff and manager address: never answered automatically."""
        return {parseaddr(person)[1].lower() for mailbox in self.settings.mailboxes
                for person in (*mailbox.staff, *mailbox.managers)}

    def known_about(self, message: Message, *, received: datetime, session: Session | None = None,
                    may_answer: bool = True, now: datetime | None = None,
                    answers: AnswersInWindow | None = None) -> Known:
        """What the installation knows of a message that triage cannot see in it.

        With a `session`, the record is asked too: the case the message
        answers, whether its claim to come from staff holds, and who had
        the most automatic answers allowed. Without one (a dry run) there
        is no secret, so only our addresses can show a message is our own.
        `answers`: a pass's running count of automatic answers, asked instead of the record.
        """
        own_mail = ""
        if self.secret and message.message_id and is_ours(self.secret, message.message_id):
            own_mail = f"Message-ID {message.message_id} is signed by this mailbot"
        elif message.sender in self.own_addresses:
            own_mail = f"sent from our own mailbox address {message.sender}"
        staff = frozenset(self.staff_addresses)
        thread, claim, at_cap = None, None, frozenset()
        if not own_mail and not message.automatic.any:
            own = frozenset(normalised(address) for address in self.own_addresses)
            claim = staff_claim(self.secret, message, staff=staff, own=own,
                                authserv_id=self.settings.staff_authserv_id)
            if session is not None:
                thread = find_thread(session, self.secret, message, now=now or self.clock.now(),
                                     case_ref=claim.case_ref if claim and claim.valid else None)
        if session is not None:
            at_cap = (answers or AnswersInWindow(now or self.clock.now())).at_cap(session)
        return Known(own_mail=own_mail, received=received.astimezone(LONDON).date(),
                     own_addresses=frozenset(self.own_addresses), mailboxes=self.watched_mailboxes,
                     staff_addresses=staff, at_cap=at_cap, may_answer=may_answer, thread=thread, staff=claim)

    @property
    def watched_mailboxes(self) -> tuple[Mailbox, ...]:
        """The watched mailboxes as triage is told of them: addresses and staff, bare and lower-case."""
        return tuple(Mailbox(name=mailbox.name, address=mailbox.address.lower(),
                             staff=tuple(bare(person) for person in mailbox.staff if bare(person)),
                             managers=tuple(bare(person) for person in mailbox.managers if bare(person)),
                             staff_names=tuple((address, name) for name, address in mailbox.staff_people))
                     for mailbox in self.settings.mailboxes)


CREATE, EXISTING = "create", "existing"     # how load_app opens the database


def load_app(config: str | Path | None, *, clock: Clock = Clock(), database: str | None = CREATE,
             sends: bool = False, files: bool = False, maildirs: bool = False) -> App:
    """Load and cross-check config, rules and templates, then open the database as asked.

    `database`: CREATE opens it, making it and bringing its schema up to date
    (commands that write); EXISTING opens it only when it is there, and
    otherwise raises ConfigError naming the URL and how to make one (commands
    that only read, which never make a database or a secret); None opens none.
    `sends`: the command connects or sends, so every file, program and
    variable the config names must be there, every template must compile and
    every template a rule names must exist (cheap: done on every start).
    `files` checks the files alone; `maildirs`: every Maildir must exist (`check`).
    """
    settings = load_settings(find_config(config), check_files=sends or files, check_maildirs=maildirs)
    ruleset = load_ruleset(settings.rules_dir, settings.deployment)
    problems = [
        f"{settings.path}: mailboxes: {mailbox.name!r} is not a mailbox of deployment {settings.deployment!r} "
        f"(known: {', '.join(ruleset.mailboxes)})"
        for mailbox in settings.mailboxes if mailbox.name not in ruleset.mailboxes
    ]
    templates = TemplateSet(settings.templates_dir, settings.deployment)
    app = App(settings=settings, ruleset=ruleset, templates=templates, clock=clock)
    if sends and not problems:
        problems = template_compile_problems(app)
    if problems:
        raise ConfigError(problems)
    if database:
        open_database(app, create=database == CREATE)
    return app


def open_database(app: App, *, create: bool = True) -> None:
    """Open the record and bring its schema up to date; with `create`, make it and the daemon's secret on first run."""
    settings = app.settings
    shown = shown_url(settings.storage_url)
    try:
        password = settings.storage_password.read()
    except ConfigError as error:
        raise ConfigError(f"{settings.path}: storage: {error}") from error
    try:
        engine = open_engine(settings.storage_url, password=password, create=create)
        if not create and not has_schema(engine):
            raise NoDatabase(shown)
        migrate(engine)
    except NoDatabase as error:
        raise ConfigError(
            f"{settings.path}: storage.url: {error}. It is made by the first pass of the daemon: start the "
            f"service, or run `mailbot run --once --config {settings.path}` as the user the daemon runs as. "
            f"If the daemon runs already, this is not its config file.") from error
    except OperationalError as error:
        raise ConfigError(f"{settings.path}: storage.url: cannot open the database {shown}: {error.orig}") from error
    app.sessions = session_factory(engine)
    app.secret = _own_secret(app.sessions, create=create)


def _own_secret(sessions: sessionmaker[Session], *, create: bool) -> bytes:
    with sessions() as session:
        row = session.get(Setting, _SECRET_KEY)
        if row is None and not create:
            return b""   # a command that only reads needs no secret and makes none
        if row is None:
            session.add(Setting(key=_SECRET_KEY, value=secrets.token_hex(32)))
            try:
                session.commit()
                log.info("made the secret that signs our Message-IDs (kept in the database)")
            except IntegrityError:
                session.rollback()  # another daemon made it first
            row = session.get(Setting, _SECRET_KEY)
        return bytes.fromhex(row.value)


def template_compile_problems(app: App) -> list[str]:
    """What would make every message fail, found without rendering: a template that does not compile,
    a required kind without a template, a rule naming a template that does not exist."""
    return app.templates.compile_all() + _missing_templates(app)


def template_problems(app: App) -> list[str]:
    """Every mistake in the deployment's templates, each also rendered with a sample case of each of its
    bodies (`check`, and the daemon before it starts)."""
    return app.templates.check(_samples(app)) + _missing_templates(app)


def _missing_templates(app: App) -> list[str]:
    available = {kind.value for kind in app.templates.kinds_available()}
    folder = app.settings.templates_dir / app.settings.deployment
    problems = [f"{folder}: no template for {kind.value} ({kind.value}.txt.j2 here or in common/)"
                for kind in REQUIRED_KINDS if kind.value not in available]
    for rule in app.ruleset.rules:
        for name in _kinds_of(rule):
            if name not in available:
                problems.append(f"{app.ruleset.path}:{rule.line}: rule {rule.name}: template {name!r} does not exist "
                                f"in {folder} or common/ (available: {', '.join(sorted(available))})")
    return problems


def _kinds_of(rule) -> list[str]:
    """The templates a rule's decision sends with (its own `template`, else the kind of its action)."""
    if rule.action not in COMPLAINANT_KIND:
        return []
    names = [rule.template or COMPLAINANT_KIND[rule.action].value]
    if rule.action.value == "redirect":
        names.append(Kind.REDIRECT.value)
    return names


def _samples(app: App) -> list[dict]:
    """A sample context for every body that owns a mailbox, from the rule set itself.

    Each is also sent, as a redirect, to every other body of the directory:
    the rules' redirect targets and wherever staff may `#transfer` a case.
    """
    samples = []
    deployment = app.settings.deployment
    for mailbox_name, body_id in app.ruleset.mailboxes.items():
        body = app.ruleset.bodies[body_id]
        context = sample_context(deployment)
        context["body"] = _body_value(body)
        context["mailbox"] = {"name": mailbox_name, "address": body.address}
        context["case"] = {**context["case"], "ref": f"{body.reference_prefix}-2026-00042",
                           "first_contact_working_days": body.first_contact_working_days}
        samples.append(context)
        samples.append({**context, "missing": [], "complainant": {"name": "", "email": "x@example.org", "anonymous": True}})
        for target in app.ruleset.bodies.values():
            if target.id != body.id:
                decision = sample_decision(deployment, Kind.REDIRECT, redirected_to=_body_value(target))
                samples.append({**context, "decision": decision, "case": {**context["case"], "status": "redirected",
                                                                           "first_contact_due": None}})
    return samples


def _body_value(body: Body) -> dict:
    return {"id": body.id, "name": body.name, "address": body.address, "grants_review": body.grants_review}
