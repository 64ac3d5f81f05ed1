"""Loading a deployment's rule set (YAML) into validated values, with file and line for every mistake."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Any

from mailbot.errors import ConfigError
from mailbot.triage.decision import Action
from mailbot.triage.located_yaml import line_of, load_mapping_file
from mailbot.triage.office_times import closed_days, office_hours
from mailbot.triage.policy import load_policy
from mailbot.triage.ruleset import TIMINGS, FACTS, NEEDS, SIGNPOSTS, Body, Forwarder, Rule, RuleSet
from mailbot.triage.rule_patterns import Screen, compile_patterns
from mailbot.triage.signals import PLACES, Signal
from mailbot.workdays import OfficeHours


# The words every deployment shares (signals and policy), beside the deployments' own files; a deployment's
# signal of the same name, and each of its policy keys, takes the place of the shared one.
COMMON = "common"


def load_ruleset(rules_dir: Path, deployment: str) -> RuleSet:
    """Read `rules_dir/DEPLOYMENT.yaml` over `rules_dir/common.yaml`; raise ConfigError listing every mistake with its line."""
    path = rules_dir / f"{deployment}.yaml"
    if not path.is_file() or deployment == COMMON:
        known = sorted(p.stem for p in rules_dir.glob("*.yaml") if p.stem != COMMON) if rules_dir.is_dir() else []
        raise ConfigError(f"{path}: no rule set for deployment {deployment!r} (known: {', '.join(known) or 'none'})")
    data = load_mapping_file(path, "bodies, mailboxes and rules")
    common_path = rules_dir / f"{COMMON}.yaml"
    common = load_mapping_file(common_path, "signals and policy") if common_path.is_file() else {}
    problems: list[str] = []
    for key in sorted(set(data) - {"deployment", "bodies", "mailboxes", "forwarders", "signals", "policy", "rules",
                                     "transfer_aliases"}):
        problems.append(f"{path}:{line_of(data)}: {key}: unknown section")
    for key in sorted(set(common) - {"signals", "policy"}):
        problems.append(f"{common_path}:{line_of(common)}: {key}: unknown section (the shared file holds signals "
                        f"and policy; the rest is each deployment's)")
    bodies = _bodies(path, data.get("bodies"), problems)
    mailboxes = _mailboxes(path, data, bodies, problems)
    signals = {**_signals(common_path, common.get("signals") or {}, problems),
               **_signals(path, data.get("signals") or {}, problems)}
    forwarders = _forwarders(path, data.get("forwarders") or [], problems)
    shared_policy = load_policy(common.get("policy") or {}, f"{common_path}", problems)
    policy = load_policy(data.get("policy") or {}, f"{path}", problems, base=shared_policy)
    rules = _rules(path, data.get("rules"), bodies, mailboxes, signals, problems)
    aliases = _transfer_aliases(path, data.get("transfer_aliases") or {}, bodies, problems)
    if problems:
        raise ConfigError(problems)
    screen = Screen([*(pattern for signal in signals.values() for pattern in signal.patterns), *policy.patterns()])
    return RuleSet(deployment=deployment, path=path, bodies=bodies, mailboxes=mailboxes, rules=tuple(rules),
                   signals=signals, forwarders=forwarders, policy=policy, transfer_aliases=aliases, screen=screen)


def _transfer_aliases(path: Path, data: Any, bodies: dict[str, Body], problems: list[str]) -> dict[str, str]:
    """`transfer_aliases: {psd: cambs-psd}`: other words staff may write after `#transfer`."""
    if not isinstance(data, dict):
        problems.append(f"{_at(path, data)}: transfer_aliases: expected a mapping of alias to body id")
        return {}
    aliases = {}
    for alias, body_id in data.items():
        if body_id not in bodies:
            problems.append(f"{_at(path, data)}: transfer_aliases: {alias}: {body_id!r} is not a body of the "
                            f"directory (known: {', '.join(sorted(bodies))})")
        else:
            aliases[str(alias)] = body_id
    return aliases


def _at(path: Path, node: Any) -> str:
    return f"{path}:{line_of(node)}"


_BODY_KEYS = {"name", "address", "reference_prefix", "first_contact_working_days", "office_hours",
              "closed_days", "grants_review", "requires_named_complainant", *TIMINGS}


def _bodies(path: Path, data: Any, problems: list[str]) -> dict[str, Body]:
    if not isinstance(data, dict) or not data:
        problems.append(f"{path}: bodies: expected a mapping of body ids to their name and address")
        return {}
    bodies = {}
    for body_id, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(f"{_at(path, data)}: bodies.{body_id}: expected a mapping")
            continue
        at = _at(path, entry)
        for key in sorted(set(entry) - _BODY_KEYS):
            problems.append(f"{at}: bodies.{body_id}.{key}: unknown key (known: {', '.join(sorted(_BODY_KEYS))})")
        address = str(entry.get("address", ""))
        if "@" not in parseaddr(address)[1]:
            problems.append(f"{at}: bodies.{body_id}.address: expected an email address, got {address!r}")
        days = entry.get("first_contact_working_days", 5)
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            problems.append(f"{at}: bodies.{body_id}.first_contact_working_days: expected a whole number of days")
            days = 5
        hours = office_hours(entry.get("office_hours", "09:00-17:00"))
        if hours is None:
            problems.append(f"{at}: bodies.{body_id}.office_hours: expected \"HH:MM-HH:MM\", got {entry.get('office_hours')!r}")
            hours = OfficeHours()
        timings = {key: _days(entry, key, default, f"{at}: bodies.{body_id}.{key}", problems)
                   for key, default in TIMINGS.items()}
        bodies[body_id] = Body(
            id=body_id, name=str(entry.get("name", body_id)), address=address.lower(),
            reference_prefix=str(entry.get("reference_prefix", "")), first_contact_working_days=days,
            office_hours=hours,
            closed_days=closed_days(at, path, f"bodies.{body_id}.closed_days", entry.get("closed_days"), problems),
            grants_review=bool(entry.get("grants_review", False)),
            requires_named_complainant=bool(entry.get("requires_named_complainant", False)), **timings,
        )
    return bodies


def _days(entry: dict, key: str, default: int, where: str, problems: list[str]) -> int:
    """A whole number of days of 0 or more (0: never)."""
    value = entry.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.append(f"{where}: expected a whole number of days, 0 or more (0: never), got {value!r}")
        return default
    return value



def _mailboxes(path: Path, data: dict, bodies: dict[str, Body], problems: list[str]) -> dict[str, str]:
    entries = data.get("mailboxes")
    if not isinstance(entries, dict) or not entries:
        problems.append(f"{path}: mailboxes: expected a mapping of mailbox names to body ids")
        return {}
    for mailbox, body_id in entries.items():
        if body_id not in bodies:
            problems.append(f"{_at(path, entries)}: mailboxes.{mailbox}: unknown body {body_id!r} (known: {', '.join(bodies)})")
        elif not bodies[body_id].reference_prefix:
            problems.append(f"{_at(path, entries)}: mailboxes.{mailbox}: body {body_id!r} owns a mailbox, so it needs a reference_prefix")
    return dict(entries)


def _signals(path: Path, data: Any, problems: list[str]) -> dict[str, Signal]:
    if not isinstance(data, dict):
        problems.append(f"{path}: signals: expected a mapping of signal names to patterns")
        return {}
    signals = {}
    for name, entry in data.items():
        at = f"{_at(path, entry)}: signal {name}"
        if not isinstance(entry, dict):
            problems.append(f"{_at(path, data)}: signal {name}: expected a mapping with patterns")
            continue
        for key in sorted(set(entry) - {"description", "in", "patterns", "unless", "form_fields"}):
            problems.append(f"{at}: {key}: unknown key (known: description, in, patterns, unless, form_fields)")
        if name in FACTS:
            problems.append(f"{at}: the name is taken by a fact triage works out itself ({', '.join(FACTS)})")
        places = entry.get("in", ["text"])
        places = [places] if isinstance(places, str) else list(places)
        for place in places:
            if place not in PLACES:
                problems.append(f"{at}: in: {place!r} is not one of {', '.join(PLACES)}")
        patterns = compile_patterns(entry.get("patterns", []), path=path, line=line_of(entry),
                                    what=f"signal {name}: patterns", problems=problems)
        if not patterns:
            problems.append(f"{at}: patterns: expected at least one pattern")
        signals[name] = Signal(
            name=name, description=str(entry.get("description", "")), places=tuple(p for p in places if p in PLACES),
            patterns=patterns, unless=compile_patterns(entry.get("unless", []), path=path, line=line_of(entry),
                                                       what=f"signal {name}: unless", problems=problems),
            form_fields=tuple(str(label).lower() for label in entry.get("form_fields", [])),
        )
    return signals


def _forwarders(path: Path, data: Any, problems: list[str]) -> tuple[Forwarder, ...]:
    if not isinstance(data, list):
        problems.append(f"{path}: forwarders: expected a list of {{domain or address, name}}")
        return ()
    found = []
    for entry in data:
        if not isinstance(entry, dict) or not (entry.get("domain") or entry.get("address")):
            problems.append(f"{_at(path, data)}: forwarders: each entry needs a domain or an address, and a name")
            continue
        found.append(Forwarder(name=str(entry.get("name", "")), domain=str(entry.get("domain", "")).lower(),
                               address=str(entry.get("address", "")).lower()))
    return tuple(found)



_KINDS = ("acknowledgement", "request-details", "redirect-notice", "signpost", "closure-notice")
_RULE_KEYS = {"name", "description", "mailboxes", "when", "then", "to", "signpost", "signpost_to", "needs",
              "explanation", "template"}


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(str(item) for item in value)


def _rules(path: Path, data: Any, bodies: dict[str, Body], mailboxes: dict[str, str],
           signals: dict[str, Signal], problems: list[str]) -> list[Rule]:
    if not isinstance(data, list) or not data:
        problems.append(f"{path}: rules: expected a list of rules")
        return []
    rules: list[Rule] = []
    known_conditions = set(FACTS) | set(signals)
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            problems.append(f"{path}:{line_of(data)}: rules[{index}]: expected a mapping with name, when and then")
            continue
        name = str(entry.get("name", f"rule-{index + 1}"))
        at = f"{path}:{entry.line}: rule {name}"
        for key in sorted(set(entry) - _RULE_KEYS):
            problems.append(f"{at}: {key}: unknown key (known: {', '.join(sorted(_RULE_KEYS))})")
        when = entry.get("when") or {}
        if not isinstance(when, dict):
            problems.append(f"{at}: when: expected a mapping with all, any and/or none")
            when = {}
        for key in sorted(set(when) - {"all", "any", "none"}):
            problems.append(f"{at}: when.{key}: expected all, any or none")
        groups = {key: _names(when.get(key)) for key in ("all", "any", "none")}
        for key, names in groups.items():
            for condition in names:
                if condition not in known_conditions:
                    problems.append(f"{at}: when.{key}: unknown signal or fact {condition!r} "
                                    f"(facts: {', '.join(FACTS)}; signals: {', '.join(sorted(signals)) or 'none'})")
        for mailbox in _names(entry.get("mailboxes")):
            if mailbox not in mailboxes:
                problems.append(f"{at}: mailboxes: unknown mailbox {mailbox!r} (known: {', '.join(mailboxes)})")
        try:
            action = Action(entry.get("then"))
        except ValueError:
            problems.append(f"{at}: then: expected one of {', '.join(a.value for a in Action)}, got {entry.get('then')!r}")
            continue
        rule = Rule(
            name=name, description=str(entry.get("description", "")), action=action, line=entry.line,
            mailboxes=_names(entry.get("mailboxes")), all_of=groups["all"], any_of=groups["any"], none_of=groups["none"],
            to=entry.get("to"), signpost=str(entry.get("signpost", "")), signpost_to=entry.get("signpost_to"),
            needs=_names(entry.get("needs")), explanation=" ".join(str(entry.get("explanation", "")).split()),
            template=str(entry.get("template", "")),
        )
        _check_rule(at, rule, bodies, problems)
        for earlier in rules:
            if earlier.always_fires() or earlier.conditions() == rule.conditions():
                problems.append(f"{at} can never fire: rule {earlier.name} (line {earlier.line}) always decides first")
                break
        if any(earlier.name == name for earlier in rules):
            problems.append(f"{at}: another rule has this name; every rule needs its own")
        rules.append(rule)
    return rules


def _check_rule(at: str, rule: Rule, bodies: dict[str, Body], problems: list[str]) -> None:
    """What each decision needs: a known target body, a known signpost, known needs."""
    if rule.action is Action.REDIRECT:
        if rule.to not in bodies:
            problems.append(f"{at}: to: a redirect needs a body of the directory (known: {', '.join(bodies)}), got {rule.to!r}")
    elif rule.to is not None:
        problems.append(f"{at}: to: only a redirect has a target body")
    if rule.action is Action.SIGNPOST and rule.signpost not in SIGNPOSTS:
        problems.append(f"{at}: signpost: expected one of {', '.join(SIGNPOSTS)}, got {rule.signpost!r}")
    if rule.signpost_to is not None and rule.signpost_to not in bodies:
        problems.append(f"{at}: signpost_to: unknown body {rule.signpost_to!r}")
    for need in rule.needs:
        if need not in NEEDS:
            problems.append(f"{at}: needs: expected some of {', '.join(NEEDS)}, got {need!r}")
    if rule.template and rule.template not in _KINDS:
        problems.append(f"{at}: template: {rule.template!r} is not a kind of mail mailbot sends (known: {', '.join(_KINDS)})")
    if rule.action is Action.REQUEST_DETAILS and not rule.needs:
        problems.append(f"{at}: needs: a request for details must say what it asks for ({', '.join(NEEDS)})")
