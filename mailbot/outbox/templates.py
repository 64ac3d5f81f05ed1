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
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from mailbot.clock import LONDON
from mailbot.outbox.template_samples import sample_contexts, sample_variants
from mailbot.kinds import Kind

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

    def check(self, contexts: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None,
              *, per_kind: Mapping[Kind, Mapping[str, Any]] | None = None) -> list[str]:
        """Every problem in the templates, one line each, naming file and line.

        Every `.j2` file is compiled (syntax errors); every kind's templates are
        rendered with each sample context and its `sample_variants` for that
        kind (undefined variables, a missing `Subject:` line). `contexts`
        is one context or several (default: `sample_contexts(deployment)`);
        `per_kind` adds or replaces keys for one kind only, after the variants.
        """
        if contexts is None:
            samples = sample_contexts(self.deployment)
        elif isinstance(contexts, Mapping):
            samples = [contexts]
        else:
            samples = list(contexts)
        problems, broken = self._compile()
        for kind in self.kinds_available():
            for sample in samples:
                for context in sample_variants(kind, sample):
                    context.update(copy.deepcopy(dict((per_kind or {}).get(kind, {}))))
                    problem = self._check_render(kind, context, broken)
                    if problem and problem not in problems:
                        problems.append(problem)
        return problems

    def compile_all(self) -> list[str]:
        """Every template compiled and every file name checked, one problem a line with file and line.

        Cheap (no rendering): every command that sends runs it before it starts.
        """
        return self._compile()[0]

    def _compile(self) -> tuple[list[str], set[str]]:
        """(problems, names of the templates that do not compile)."""
        problems: list[str] = []
        if not (self.templates_dir / self.deployment).is_dir():
            problems.append(f"{self.templates_dir / self.deployment}: no templates folder for "
                            f"deployment {self.deployment!r}")
        broken: set[str] = set()
        names = self._template_names()
        for name in names:
            path = self._path_of(name)
            if name.endswith((TEXT_SUFFIX, HTML_SUFFIX)) and not name.startswith("_"):
                stem = name[: -len(TEXT_SUFFIX)] if name.endswith(TEXT_SUFFIX) else name[: -len(HTML_SUFFIX)]
                if stem not in set(Kind):
                    problems.append(f"{path}:1: {stem!r} is not a kind of mail mailbot sends "
                                    f"(known: {', '.join(kind.value for kind in Kind)})")
                elif name.endswith(HTML_SUFFIX) and stem + TEXT_SUFFIX not in names:
                    problems.append(f"{path}:1: an HTML template needs {stem + TEXT_SUFFIX} beside it")
            try:
                self.environment.get_template(name)
            except jinja2.TemplateSyntaxError as error:   # also an unknown filter or test
                broken.add(name)
                problems.append(f"{error.filename or path}:{error.lineno}: {error.message}")
                continue
            except UnicodeDecodeError as error:
                broken.add(name)
                problems.append(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})")
                continue
            problems += self._missing_includes(name, path, names)
        return problems, broken

    def _missing_includes(self, name: str, path: Path, names: list[str]) -> list[str]:
        """A template that includes, imports or extends one that does not exist would fail every render."""
        source = self.environment.loader.get_source(self.environment, name)[0]
        problems = []
        for other in jinja2.meta.find_referenced_templates(self.environment.parse(source)):
            if other is not None and other not in names:
                line = next((number for number, text in enumerate(source.splitlines(), 1) if other in text), 1)
                problems.append(f"{path}:{line}: {other!r} does not exist (in {self._search[0]} or {self._search[1]})")
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
