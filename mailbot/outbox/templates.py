"""The administrator-edited Jinja2 templates: one per `X-Mailbot-Kind`, per deployment where they differ.

A kind's template is `KIND.txt.j2` (required) with an optional `KIND.html.j2`
beside it, looked for in `templates_dir/DEPLOYMENT/` and then in
`templates_dir/common/`. The text template's first line is `Subject: ...`,
then a blank line, then the body. Files whose names start with `_` are pieces
that templates include. `templates/README.md` documents the context.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import jinja2

from mailbot.clock import LONDON
from mailbot.outbox.kinds import Kind

COMMON = "common"
TEXT_SUFFIX = ".txt.j2"
HTML_SUFFIX = ".html.j2"

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True)
class Rendered:
    """A rendered message: the subject, the plain text, and the HTML when the kind has one."""

    subject: str
    text: str
    html: str | None = None


# -- filters -----------------------------------------------------------------

def longdate(value: date | datetime) -> str:
    """`Monday 30 November 2026` (an aware datetime is first put in London time)."""
    if isinstance(value, datetime):
        value = _london(value).date()
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def londontime(value: datetime) -> str:
    """`Monday 30 November 2026 at 10:15`, London time, from an aware datetime."""
    local = _london(value)
    return f"{longdate(local.date())} at {local:%H:%M}"


def quote(text: str) -> str:
    """Every line prefixed with `> ` (a blank line becomes `>`), as mail clients quote."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return "\n".join(f"> {line}" if line.strip() else ">" for line in lines)


def filesize(size: int) -> str:
    """A byte count as people read it: `820 bytes`, `14 KB`, `2.3 MB`."""
    size = int(size)
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _london(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone: templates are given aware datetimes")
    return value.astimezone(LONDON)


FILTERS = {"longdate": longdate, "londontime": londontime, "quote": quote, "filesize": filesize}


# -- the template set ----------------------------------------------------------

class TemplateSet:
    """The templates of one deployment, with the common ones behind them."""

    def __init__(self, templates_dir: Path, deployment: str):
        self.templates_dir = Path(templates_dir)
        self.deployment = deployment
        self._search = [self.templates_dir / deployment, self.templates_dir / COMMON]
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(path) for path in self._search]),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                default_for_string=False, default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.environment.filters.update(FILTERS)

    def kinds_available(self) -> list[Kind]:
        """Every kind with a text template, in the deployment's folder or the common one."""
        found = []
        for name in self._template_names():
            if name.endswith(TEXT_SUFFIX):
                try:
                    found.append(Kind(name[: -len(TEXT_SUFFIX)]))
                except ValueError:
                    continue
        return sorted(set(found), key=list(Kind).index)

    def render(self, kind: Kind, context: Mapping[str, Any]) -> Rendered:
        """Render `kind` with `context` (see templates/README.md).

        Raises jinja2.TemplateNotFound when the kind has no text template,
        jinja2.UndefinedError for a variable the context lacks, and
        ValueError when the text does not begin with a `Subject:` line.
        """
        kind = Kind(kind)
        values = {"kind": kind.value, "deployment": self.deployment, **context}
        template = self.environment.get_template(kind.value + TEXT_SUFFIX)
        subject, text = split_subject(template.render(values), template.filename or template.name)
        try:
            html_template = self.environment.get_template(kind.value + HTML_SUFFIX)
        except jinja2.TemplateNotFound:
            html_template = None
        html = html_template.render(values) if html_template is not None else None
        return Rendered(subject=subject, text=text, html=html)

    def check(self, sample_context: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None,
              *, per_kind: Mapping[Kind, Mapping[str, Any]] | None = None) -> list[str]:
        """Every problem in the templates, one line each, naming file and line.

        Every `.j2` file is compiled (syntax errors); every kind's templates are
        rendered with each sample context and its `sample_variants` for that
        kind (undefined variables, a missing `Subject:` line). `sample_context`
        is one context or several (default: `sample_contexts(deployment)`);
        `per_kind` adds or replaces keys for one kind only, after the variants.
        """
        if sample_context is None:
            samples = sample_contexts(self.deployment)
        elif isinstance(sample_context, Mapping):
            samples = [sample_context]
        else:
            samples = list(sample_context)
        problems: list[str] = []
        if not (self.templates_dir / self.deployment).is_dir():
            problems.append(f"{self.templates_dir / self.deployment}: no templates folder for "
                            f"deployment {self.deployment!r}")
        broken: set[str] = set()
        for name in self._template_names():
            path = self._path_of(name)
            if name.endswith((TEXT_SUFFIX, HTML_SUFFIX)) and not name.startswith("_"):
                stem = name[: -len(TEXT_SUFFIX)] if name.endswith(TEXT_SUFFIX) else name[: -len(HTML_SUFFIX)]
                if stem not in set(Kind):
                    problems.append(f"{path}:1: {stem!r} is not a kind of mail mailbot sends "
                                    f"(known: {', '.join(kind.value for kind in Kind)})")
                elif name.endswith(HTML_SUFFIX) and stem + TEXT_SUFFIX not in self._template_names():
                    problems.append(f"{path}:1: an HTML template needs {stem + TEXT_SUFFIX} beside it")
            try:
                self.environment.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                broken.add(name)
                problems.append(f"{error.filename or path}:{error.lineno}: {error.message}")
        for kind in self.kinds_available():
            for sample in samples:
                for context in sample_variants(kind, sample):
                    context.update(copy.deepcopy(dict((per_kind or {}).get(kind, {}))))
                    problem = self._check_render(kind, context, broken)
                    if problem and problem not in problems:
                        problems.append(problem)
        return problems

    def _check_render(self, kind: Kind, context: dict, broken: set[str]) -> str | None:
        try:
            self.render(kind, context)
        except jinja2.TemplateSyntaxError as error:
            if error.name in broken:
                return None  # already reported where it was compiled
            return f"{error.filename}:{error.lineno}: {error.message}"
        except SubjectLineMissing as error:
            return str(error)
        except Exception as error:  # noqa: BLE001 - any failure is a problem to report, with its place
            filename, lineno = _template_position(error)
            where = f"{filename}:{lineno}" if filename else str(self._path_of(kind.value + TEXT_SUFFIX))
            return f"{where}: {type(error).__name__}: {error} (rendering {kind.value})"
        return None

    def _template_names(self) -> list[str]:
        return self.environment.list_templates(extensions=["j2"])

    def _path_of(self, name: str) -> Path:
        for folder in self._search:
            if (folder / name).is_file():
                return folder / name
        return self._search[0] / name


class SubjectLineMissing(ValueError):
    """A text template whose output does not begin with `Subject: ...` and a blank line."""


def split_subject(rendered: str, filename: str) -> tuple[str, str]:
    """(subject, body) of a rendered text template; raises SubjectLineMissing naming the file."""
    lines = rendered.lstrip("\n").split("\n", 2)
    first = lines[0]
    if not first.lower().startswith("subject:"):
        raise SubjectLineMissing(f"{filename}:1: the first line must be 'Subject: ...' "
                                 f"(then a blank line, then the text)")
    subject = " ".join(first[len("subject:"):].split())
    if not subject:
        raise SubjectLineMissing(f"{filename}:1: the Subject line is empty")
    if len(lines) > 1 and lines[1].strip():
        raise SubjectLineMissing(f"{filename}:2: the line after 'Subject: ...' must be blank")
    body = lines[2] if len(lines) > 2 else ""
    return subject, body.rstrip() + "\n"


def _template_position(error: BaseException) -> tuple[str | None, int | None]:
    """The template file and line where a render failed (Jinja rewrites tracebacks to point there)."""
    filename, lineno = None, None
    trace = error.__traceback__
    while trace is not None:
        code_file = trace.tb_frame.f_code.co_filename
        if code_file.endswith(".j2"):
            filename, lineno = code_file, trace.tb_lineno
        trace = trace.tb_next
    return filename, lineno


# -- the sample context --------------------------------------------------------
# Example values of exactly the shape the pipeline passes (templates/README.md),
# so that `check` renders every template the way real mail will.

_SAMPLE_BODIES = {
    "cambridgeshire": [
        {"id": "cambs-panel", "name": "Cambridgeshire Police and Crime Panel",
         "address": "democratic.services@peterborough.gov.uk", "grants_review": False,
         "prefix": "PCP", "days": 5, "mailbox": "democratic-services"},
        {"id": "cambs-opcc", "name": "Office of the Cambridgeshire Police and Crime Commissioner",
         "address": "cambs-pcc@cambs.pnn.police.uk", "grants_review": True,
         "prefix": "OPCC", "days": 5, "mailbox": "cambs-pcc"},
    ],
    "cleveland": [
        {"id": "cleveland-opcc", "name": "Cleveland Office of the Police and Crime Commissioner, Resolution Team",
         "address": "resolution.team@cleveland-opcc.example", "grants_review": False,
         "prefix": "CLV", "days": 2, "mailbox": "cleveland-resolution"},
    ],
}
_EXAMPLE_BODY = {"id": "example-body", "name": "Example complaints body", "address": "complaints@example.org",
                 "grants_review": False, "prefix": "EX", "days": 5, "mailbox": "complaints"}

# The other bodies of each directory (rules/DEPLOYMENT.yaml): where mail is redirected or signposted.
_SAMPLE_DIRECTORY = {
    "cambridgeshire": [
        {"id": "cambs-psd", "name": "Cambridgeshire Constabulary Professional Standards Department",
         "address": "psd@cambs.pnn.police.uk"},
        {"id": "iopc", "name": "Independent Office for Police Conduct", "address": "enquiries@policeconduct.gov.uk"},
        {"id": "cambs-opcc", "name": "Office of the Cambridgeshire Police and Crime Commissioner",
         "address": "cambs-pcc@cambs.pnn.police.uk"},
        {"id": "cambs-panel", "name": "Cambridgeshire Police and Crime Panel",
         "address": "democratic.services@peterborough.gov.uk"},
    ],
    "cleveland": [
        {"id": "cleveland-dse", "name": "Cleveland Police Department of Standards and Ethics",
         "address": "standards.ethics@cleveland-police.example"},
        {"id": "iopc", "name": "Independent Office for Police Conduct", "address": "enquiries@policeconduct.gov.uk"},
    ],
}
_SAMPLE_LEGAL = {
    "cambridgeshire": {"id": "cambs-legal", "name": "Cambridgeshire Constabulary Legal Services",
                       "address": "legal.services@cambs-police.example"},
    "cleveland": {"id": "cleveland-legal", "name": "Cleveland Police Legal Services",
                  "address": "legal.services@cleveland-police.example"},
}
_EXAMPLE_TARGET = {"id": "example-target", "name": "Example other body", "address": "other@example.org"}
_EXAMPLE_LEGAL = {"id": "example-legal", "name": "Example legal services", "address": "legal@example.org"}

# `layout` as parse writes it: iopc-form, attached-message, or the forwarded block's outlook / gmail.
_SAMPLE_FORWARDERS = {
    "cambridgeshire": [{"name": "IOPC Online Complaints", "address": "no-reply@policeconduct.gov.uk",
                        "layout": "iopc-form"},
                       {"name": "Harlow, Jenna", "address": "jenna.harlow@cambs.pnn.police.uk", "layout": "outlook"}],
    "cleveland": [{"name": "Standards and Ethics", "address": "standards.ethics@cleveland-police.example",
                   "layout": "attached-message"}],
}
_EXAMPLE_FORWARDERS = [{"name": "Example Police", "address": "complaints@police.example", "layout": "gmail"}]

_SAMPLE_EXPLANATIONS = {
    "cambridgeshire": "Your complaint is about a police officer. Complaints about police officers below the rank of "
                      "Chief Constable are dealt with by the force's Professional Standards Department.",
    "cleveland": "Your complaint says that someone was seriously injured. A complaint like this must be formally "
                 "recorded by Cleveland Police.",
}

_NEEDS = ("name-and-address", "written-permission")
_CASE_STATUS = {Kind.REQUEST_DETAILS: "awaiting-details", Kind.REDIRECT: "redirected",
                Kind.REDIRECT_NOTICE: "redirected", Kind.SIGNPOST: "closed"}


def redirect_targets(deployment: str, body_id: str) -> list[dict[str, str]]:
    """Sample `{id, name, address}` of every body a complaint at `body_id` might be redirected to."""
    return [dict(entry) for entry in _SAMPLE_DIRECTORY.get(deployment, [_EXAMPLE_TARGET]) if entry["id"] != body_id]


def legal_services(deployment: str) -> dict[str, str]:
    """The sample `{id, name, address}` of the force's legal services (where compensation claims go)."""
    return dict(_SAMPLE_LEGAL.get(deployment, _EXAMPLE_LEGAL))


def sample_decision(deployment: str, kind: Kind = Kind.ACKNOWLEDGEMENT, *, body_id: str = "",
                    **changes: Any) -> dict[str, Any]:
    """A `decision` value that makes sense for a message of `kind`; `changes` replace its keys."""
    kind = Kind(kind)
    decision: dict[str, Any] = {"action": "new-case", "rule": "new-complaint", "explanation": "",
                                "redirected_to": None, "signpost": "", "signpost_to": None, "needs": []}
    if kind is Kind.REQUEST_DETAILS:
        decision.update(action="request-details", rule="anonymous-complaint", needs=list(_NEEDS))
    elif kind in (Kind.REDIRECT, Kind.REDIRECT_NOTICE):
        targets = redirect_targets(deployment, body_id) or [dict(_EXAMPLE_TARGET)]
        decision.update(action="redirect", rule="misdirected-complaint", redirected_to=targets[0],
                        explanation=_SAMPLE_EXPLANATIONS.get(deployment, "A sample reason."))
    elif kind is Kind.SIGNPOST:
        decision.update(action="signpost", rule="compensation-claim", signpost="compensation",
                        signpost_to=legal_services(deployment))
    decision.update(changes)
    return decision


def sample_context(deployment: str = "cambridgeshire", *, body_id: str | None = None,
                   kind: Kind = Kind.ACKNOWLEDGEMENT, **overrides: Any) -> dict[str, Any]:
    """A context of exactly the shape the pipeline passes (templates/README.md), with example values.

    The case and the decision suit `kind` (a redirect has `decision.redirected_to`,
    a case that is not open has no `first_contact_due`). `overrides` replace
    top-level keys (`missing=[]`, `complainant={...}`, `decision={...}`).
    """
    kind = Kind(kind)
    bodies = _SAMPLE_BODIES.get(deployment, [_EXAMPLE_BODY])
    body = next((entry for entry in bodies if entry["id"] == body_id), bodies[0]) if body_id else bodies[0]
    received = datetime(2026, 11, 23, 10, 15, tzinfo=timezone.utc).astimezone(LONDON)
    due = date(2026, 11, 30) if body["days"] == 5 else date(2026, 11, 25)
    status = _CASE_STATUS.get(kind, "open")
    context: dict[str, Any] = {
        "kind": kind.value,
        "deployment": deployment,
        "case": {"ref": f"{body['prefix']}-2026-00042", "status": status, "received_at": received,
                 "first_contact_due": due if status == "open" else None,
                 "first_contact_working_days": body["days"],
                 "rules": ["new-complaint"],
                 "reasons": ["a person wrote to the mailbox and no other rule applied"]},
        "body": {"id": body["id"], "name": body["name"], "address": body["address"],
                 "grants_review": body["grants_review"]},
        "mailbox": {"name": body["mailbox"], "address": body["address"]},
        "complainant": {"name": "Siân O'Brien", "email": "sian.obrien@example.org", "anonymous": False},
        "message": {"subject": "Complaint about the meeting on 12 November",
                    "sender": "sian.obrien@example.org", "display_name": "Siân O'Brien",
                    "date_header": "Mon, 23 Nov 2026 10:14:07 +0000",
                    "text": "Dear Sir or Madam,\n\nI was shouted at during the public meeting.\n\nSiân O'Brien\n",
                    "attachments": [{"filename": "photo.jpg", "size": 182_044}]},
        "missing": ["when", "witnesses"],
        "staff_reply_hint": "",
        "decision": sample_decision(deployment, kind, body_id=body["id"]),
        "review": None,
        "forwarded_by": None,
    }
    context.update(overrides)
    return context


def sample_contexts(deployment: str) -> list[dict[str, Any]]:
    """Sample contexts covering each body of a shipped deployment, with and without the optional parts.

    `check` renders every kind with each of these, and with the variants of
    `sample_variants` for that kind (every redirect target, signpost, need).
    """
    samples = []
    for body in _SAMPLE_BODIES.get(deployment, [_EXAMPLE_BODY]):
        samples.append(sample_context(deployment, body_id=body["id"]))
        bare = sample_context(deployment, body_id=body["id"], missing=[],
                              complainant={"name": "", "email": "resident@example.org", "anonymous": True},
                              staff_reply_hint="Reply to this email; start with #note to keep it internal.")
        bare["message"] = {**bare["message"], "attachments": [], "display_name": "", "subject": "",
                           "sender": "resident@example.org"}
        samples.append(bare)
    return samples


def sample_variants(kind: Kind, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`context` made ready for `kind`, then once more for each value its templates must cope with.

    A context made for another kind (as `mailbot check` builds them, from the
    rule set's bodies) first gets the case status and decision of `kind`.
    Then: each redirect target or signpost or need of `kind`, a review
    request in time, late and undated, a forwarded complaint, and a case that
    is not open (no first-contact date).
    """
    kind = Kind(kind)
    deployment = str(context.get("deployment", ""))
    body_id = str(context.get("body", {}).get("id", ""))
    base = copy.deepcopy(dict(context))
    base["kind"] = kind.value
    base.setdefault("review", None)
    base.setdefault("forwarded_by", None)
    decision = base.get("decision")
    if not isinstance(decision, Mapping) or decision.get("action") != sample_decision(deployment, kind)["action"]:
        base["decision"] = sample_decision(deployment, kind, body_id=body_id)
    if kind in _CASE_STATUS and isinstance(base.get("case"), Mapping):
        base["case"] = {**base["case"], "status": _CASE_STATUS[kind], "first_contact_due": None}

    def varied(**changes: Any) -> dict[str, Any]:
        variant = copy.deepcopy(base)
        variant["decision"] = {**variant["decision"], **changes.pop("decision", {})}
        variant.update(changes)
        return variant

    variants = [base]
    if kind is Kind.REQUEST_DETAILS:
        variants += [varied(decision={"needs": [need]}) for need in _NEEDS]
        variants.append(varied(decision={"needs": []}, missing=["what", "when"]))
    elif kind in (Kind.REDIRECT, Kind.REDIRECT_NOTICE):
        for target in redirect_targets(deployment, body_id):
            variants.append(varied(decision={"redirected_to": target, "explanation": ""}))
            variants.append(varied(decision={"redirected_to": target, "explanation": "A sample reason."}))
    elif kind is Kind.SIGNPOST:
        for explanation in ("", "A sample reason."):
            variants += [varied(decision={"signpost": "crime-report", "signpost_to": None, "rule": "crime-report",
                                          "explanation": explanation}),
                         varied(decision={"signpost": "compensation", "explanation": explanation}),
                         varied(decision={"signpost": "compensation", "signpost_to": None,
                                          "explanation": explanation}),
                         varied(decision={"signpost": "", "signpost_to": None, "explanation": explanation})]
    forwarders = _SAMPLE_FORWARDERS.get(deployment, _EXAMPLE_FORWARDERS)
    variants += [
        varied(review={"outcome_date": date(2026, 11, 2), "in_time": True}),
        varied(review={"outcome_date": date(2026, 10, 1), "in_time": False}),
        varied(review={"outcome_date": None, "in_time": None}),
        *(varied(forwarded_by=dict(forwarder)) for forwarder in forwarders),
        varied(forwarded_by={**forwarders[0], "name": "", "layout": "attached-message"}),
    ]
    if isinstance(base.get("case"), Mapping) and base["case"].get("first_contact_due") is not None:
        variants.append(varied(case={**base["case"], "status": "closed", "first_contact_due": None}))
    return variants
