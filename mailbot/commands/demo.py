"""`mailbot demo`: the whole pipeline on sample complaints, with no server, printing what happened to each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import yaml
from sqlalchemy import select

from mailbot.app import load_app
from mailbot.clock import Clock
from mailbot.commands.demo_replies import play_replies
from mailbot.commands.options import now_option, reports_config_errors
from mailbot.config import shipped_dir
from mailbot.db.models import Case, Event, InboundMessage, OutboxMessage
from mailbot.intake.maildir import deliver_to_maildir
from mailbot.intake.record import dedup_key
from mailbot.triage import load_ruleset

SAMPLES = Path(__file__).parent.parent / "demo"
MARKER = ".mailbot-demo"


@click.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"),
              show_default=True, help="Where the demo's Maildirs, database and sent mail go (remade each run).")
@now_option
@reports_config_errors
def demo(directory: Path, now):
    """Run both shipped deployments on sample complaints: local Maildir in, SQLite, sent mail to a folder.

    Needs no server. Afterwards DIR/DEPLOYMENT/ holds mailbot.toml (a working
    config to copy), mailbot.db, Maildir/ and sent/ (one .eml per message sent).
    """
    if directory.exists():
        if not (directory / MARKER).exists():
            raise click.UsageError(f"{directory} exists and is not a demo folder; choose another --dir")
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / MARKER).write_text("made by `mailbot demo`; remade on every run\n")
    plan = yaml.safe_load((SAMPLES / "samples.yaml").read_text(encoding="utf-8"))
    for deployment, setup in plan.items():
        _run_deployment(directory / deployment, deployment, setup, Clock(now))
    click.echo(f"\nEverything is in {directory.resolve()}: the sent mail is in */sent/, the record in */mailbot.db.")


def _run_deployment(root: Path, deployment: str, setup: dict, clock: Clock) -> None:
    from mailbot.daemon import run_once

    ruleset = load_ruleset(shipped_dir("rules"), deployment)
    lines = [f'deployment = "{deployment}"', "", "[storage]", 'url = "sqlite:///mailbot.db"', "",
             "[smtp]", 'transport = "directory"', 'directory = "sent"', ""]
    for mailbox, staff in setup["staff"].items():
        # The mailbox addresses come from the rule set's directory of bodies.
        lines += ["[[mailboxes]]", f'name = "{mailbox}"', f'address = "{ruleset.body_of(mailbox).address}"',
                  f'maildir = "Maildir/{mailbox}"', f"staff = {json.dumps(staff)}", ""]
    root.mkdir(parents=True)
    config = root / "mailbot.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    at = clock.now()
    for delivery in setup["deliveries"]:
        deliver_to_maildir(root / "Maildir" / delivery["to"], (SAMPLES / "mail" / delivery["file"]).read_bytes(), at=at)
    app = load_app(config, clock=clock, sends=True)
    run_once(app)
    click.echo(f"== {deployment} ({', '.join(setup['staff'])})")
    _report(app, setup["deliveries"])
    play_replies(app, root, SAMPLES, setup.get("replies") or [], run_once)


def _report(app, deliveries: list[dict]) -> None:
    with app.sessions() as session:
        for delivery in deliveries:
            raw = (SAMPLES / "mail" / delivery["file"]).read_bytes()
            inbound = session.scalar(select(InboundMessage).where(
                InboundMessage.mailbox == delivery["to"], InboundMessage.dedup_key == dedup_key(raw)))
            click.echo(f"\n{delivery['file']}  ->  {delivery['to']}")
            if inbound is None:
                click.echo("  not recorded (see the log above)")
                continue
            if len(inbound.deliveries) > 1 and delivery is not _first_of(deliveries, delivery):
                click.echo(f"  duplicate delivery of message {inbound.id}: recognised, nothing more done")
                continue
            if inbound.case_id is None:
                reason = session.scalar(select(Event.reason).where(Event.message_id == inbound.id)
                                        .order_by(Event.id.desc())) or inbound.error
                click.echo(f"  {inbound.status}: {reason}")
                continue
            case = session.get(Case, inbound.case_id)
            due = ", ".join(f"{d.kind} by {d.due:%a %d %b %Y}" for d in case.deadlines) or "no deadline"
            click.echo(f"  case {case.ref} at {case.body}: {case.status}; complainant {case.complainant_email}; {due}")
            click.echo(f"  decided by: {', '.join(case.rules)}")
            for row in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)):
                click.echo(f"  sent {row.kind} to {', '.join(row.recipients)} ({row.status})")


def _first_of(deliveries: list[dict], delivery: dict) -> dict:
    return next(item for item in deliveries if item["file"] == delivery["file"] and item["to"] == delivery["to"])


