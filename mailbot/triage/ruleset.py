"""Loading a deployment's rule set (YAML) into validated values, with file and line for every mistake."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import yaml

from mailbot.errors import ConfigError
from mailbot.triage.decision import Action
from mailbot.workdays import OfficeHours

CONDITIONS = {"automatic", "own_mail"}   # what a rule's `when` may test (rules/README.md)


class _Mapping(dict):
    """A YAML mapping that remembers the line it started on."""

    line = 0


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = _Mapping(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


@dataclass(frozen=True)
class Body:
    """One body of the directory: who it is, where its mail goes, and its own settings."""

    id: str
    name: str
    address: str
    reference_prefix: str = ""          # "" for bodies we only redirect to
    first_contact_working_days: int = 5
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    grants_review: bool = False


@dataclass(frozen=True)
class Rule:
    """One ordered rule: when all its conditions hold, it decides `action`."""

    name: str
    description: str
    when: dict[str, Any]
    action: Action
    line: int

    def always_fires(self) -> bool:
        return not self.when


@dataclass(frozen=True)
class RuleSet:
    """A deployment's rules: the directory of bodies, mailbox owners and ordered rules."""

    deployment: str
    path: Path
    bodies: dict[str, Body]
    mailboxes: dict[str, str]           # mailbox name -> body id
    rules: tuple[Rule, ...]

    def body_of(self, mailbox: str) -> Body:
        return self.bodies[self.mailboxes[mailbox]]


def load_ruleset(rules_dir: Path, deployment: str) -> RuleSet:
    """Read `rules_dir/DEPLOYMENT.yaml`; raise ConfigError listing every mistake with its line."""
    path = rules_dir / f"{deployment}.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except FileNotFoundError as error:
        known = sorted(p.stem for p in rules_dir.glob("*.yaml")) if rules_dir.is_dir() else []
        raise ConfigError(f"{path}: no rule set for deployment {deployment!r} (known: {', '.join(known) or 'none'})") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with bodies, mailboxes and rules")
    bodies = _bodies(path, data.get("bodies"), problems)
    mailboxes = _mailboxes(path, data, bodies, problems)
    rules = _rules(path, data.get("rules"), problems)
    if problems:
        raise ConfigError(problems)
    return RuleSet(deployment=deployment, path=path, bodies=bodies, mailboxes=mailboxes, rules=tuple(rules))


def _where(path: Path, node: Any) -> str:
    return f"{path}:{getattr(node, 'line', '?')}"


def _bodies(path: Path, data: Any, problems: list[str]) -> dict[str, Body]:
    if not isinstance(data, dict) or not data:
        problems.append(f"{path}: bodies: expected a mapping of body ids to their name and address")
        return {}
    bodies = {}
    for body_id, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(f"{_where(path, data)}: bodies.{body_id}: expected a mapping")
            continue
        at = _where(path, entry)
        unknown = set(entry) - {"name", "address", "reference_prefix", "first_contact_working_days",
                                "office_hours", "grants_review"}
        for key in sorted(unknown):
            problems.append(f"{at}: bodies.{body_id}.{key}: unknown key")
        address = str(entry.get("address", ""))
        if "@" not in parseaddr(address)[1]:
            problems.append(f"{at}: bodies.{body_id}.address: expected an email address, got {address!r}")
        days = entry.get("first_contact_working_days", 5)
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            problems.append(f"{at}: bodies.{body_id}.first_contact_working_days: expected a whole number of days")
            days = 5
        hours = _office_hours(entry.get("office_hours", "09:00-17:00"))
        if hours is None:
            problems.append(f"{at}: bodies.{body_id}.office_hours: expected \"HH:MM-HH:MM\", got {entry.get('office_hours')!r}")
            hours = OfficeHours()
        bodies[body_id] = Body(
            id=body_id, name=str(entry.get("name", body_id)), address=address.lower(),
            reference_prefix=str(entry.get("reference_prefix", "")), first_contact_working_days=days,
            office_hours=hours, grants_review=bool(entry.get("grants_review", False)),
        )
    return bodies


def _office_hours(text: Any) -> OfficeHours | None:
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in str(text).split("-"))
    except ValueError:
        return None
    return OfficeHours(opens, closes) if opens < closes else None


def _mailboxes(path: Path, data: dict, bodies: dict[str, Body], problems: list[str]) -> dict[str, str]:
    entries = data.get("mailboxes")
    if not isinstance(entries, dict) or not entries:
        problems.append(f"{path}: mailboxes: expected a mapping of mailbox names to body ids")
        return {}
    for mailbox, body_id in entries.items():
        if body_id not in bodies:
            problems.append(f"{_where(path, entries)}: mailboxes.{mailbox}: unknown body {body_id!r} (known: {', '.join(bodies)})")
        elif not bodies[body_id].reference_prefix:
            problems.append(f"{_where(path, entries)}: mailboxes.{mailbox}: body {body_id!r} owns a mailbox, so it needs a reference_prefix")
    return dict(entries)


def _rules(path: Path, data: Any, problems: list[str]) -> list[Rule]:
    if not isinstance(data, list) or not data:
        problems.append(f"{path}: rules: expected a list of rules")
        return []
    rules: list[Rule] = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            problems.append(f"{path}: rules[{index}]: expected a mapping with name, when and then")
            continue
        at = _where(path, entry)
        name = str(entry.get("name", f"rule-{index + 1}"))
        when = entry.get("when") or {}
        if not isinstance(when, dict):
            problems.append(f"{at}: rule {name}: when: expected a mapping of conditions")
            when = {}
        for condition in when:
            if condition not in CONDITIONS:
                problems.append(f"{at}: rule {name}: when.{condition}: unknown condition (known: {', '.join(sorted(CONDITIONS))})")
        try:
            action = Action(entry.get("then"))
        except ValueError:
            problems.append(f"{at}: rule {name}: then: expected one of {', '.join(a.value for a in Action)}, got {entry.get('then')!r}")
            continue
        if rules and rules[-1].always_fires():
            problems.append(f"{at}: rule {name} can never fire: rule {rules[-1].name} (line {rules[-1].line}) always decides first")
        rules.append(Rule(name=name, description=str(entry.get("description", "")), when=dict(when), action=action, line=entry.line))
    if any(rule.name == other.name for i, rule in enumerate(rules) for other in rules[i + 1:]):
        problems.append(f"{path}: rules: every rule needs its own name")
    return rules
