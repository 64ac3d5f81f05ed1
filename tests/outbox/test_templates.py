"""The shipped templates say what the seeds say, and `check` finds mistakes with file and line."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import jinja2
import pytest

from mailbot.kinds import Kind
from mailbot.outbox.templates import TemplateSet, londontime, longdate, quote
from mailbot.outbox.template_samples import sample_context, sample_contexts

SHIPPED = Path(__file__).resolve().parents[2] / "templates"
BODIES = [("cambridgeshire", "cambs-panel"), ("cambridgeshire", "cambs-opcc"), ("cleveland", "cleveland-opcc")]

# Wording that would offer the complainant a review of the outcome.
REVIEW_PROMISE = re.compile(
    r"(can|may|could|entitled to|right to)\s+(ask|request|apply)\s+(for\s+)?(a\s+)?review"
    r"|request(ing)?\s+a\s+review|ask\s+for\s+a\s+review|right\s+of\s+review|review\s+of\s+the\s+outcome",
    re.IGNORECASE,
)


def _render(deployment, body_id, kind, **overrides):
    context = sample_context(deployment, body_id=body_id, kind=kind, **overrides)
    return TemplateSet(SHIPPED, deployment).render(kind, context), context


@pytest.mark.parametrize("deployment", ["cambridgeshire", "cleveland"])
def test_shipped_templates_have_no_problems(deployment):
    templates = TemplateSet(SHIPPED, deployment)

    assert templates.check() == []
    assert {Kind.ACKNOWLEDGEMENT, Kind.STAFF_NOTIFICATION} <= set(templates.kinds_available())


@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_acknowledgement_states_reference_next_step_and_date(deployment, body_id):
    rendered, context = _render(deployment, body_id, Kind.ACKNOWLEDGEMENT)
    due = longdate(context["case"]["first_contact_due"])

    assert context["case"]["ref"] in rendered.subject
    assert context["message"]["subject"] in rendered.subject
    assert f'"{context["message"]["subject"]}"' in rendered.text          # quotes their subject
    assert f"Your reference number is {context['case']['ref']}" in rendered.text
    assert f"by the end of {due}" in rendered.text
    assert f"within {context['case']['first_contact_working_days']} working days" in rendered.text
    assert "Dear Siân O'Brien," in rendered.text
    assert "When did it happen?" in rendered.text                          # missing: when
    assert "Was anyone else there who saw or heard" in rendered.text       # missing: witnesses
    assert "{{" not in rendered.text and "{%" not in rendered.text


@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_acknowledgement_asks_nothing_when_nothing_is_missing(deployment, body_id):
    rendered, _ = _render(deployment, body_id, Kind.ACKNOWLEDGEMENT, missing=[],
                          complainant={"name": "", "email": "x@example.org", "anonymous": False})

    assert "Some details would help us" not in rendered.text
    assert rendered.text.startswith("Hello,\n")


def test_panel_acknowledgement_states_the_panels_facts():
    rendered, _ = _render("cambridgeshire", "cambs-panel", Kind.ACKNOWLEDGEMENT)
    text = rendered.text

    assert "Senior Democratic Services Officer (Police and Crime)" in text
    assert "cannot investigate a complaint or take disciplinary action" in text
    for outcome in ("an explanation", "an apology", "training", "policy"):
        assert outcome in text
    assert "07983 322628" in text


def test_opcc_acknowledgement_states_the_offices_facts():
    rendered, _ = _render("cambridgeshire", "cambs-opcc", Kind.ACKNOWLEDGEMENT,
                          complainant={"name": "", "email": "x@example.org", "anonymous": True})
    text = rendered.text

    assert "complaints about the Chief Constable" in text
    assert "cannot deal with complaints made anonymously" in text
    assert "name and postal address" in text
    assert "28 days" in text and "review" in text           # grants_review is true for cambs-opcc


def test_cleveland_acknowledgement_states_the_resolution_teams_facts():
    rendered, _ = _render("cleveland", "cleveland-opcc", Kind.ACKNOWLEDGEMENT)
    text = rendered.text

    assert "telephone you by the end of Wednesday 25 November 2026" in text
    assert "within 2 working days" in text
    assert "single point of contact" in text
    assert "within 28 days" in text
    assert "no right to have it reviewed" in text
    assert "recorded as a formal complaint" in text and "at any time" in text
    assert "01642 301860" in text


@pytest.mark.parametrize("deployment,body_id", [("cambridgeshire", "cambs-panel"), ("cleveland", "cleveland-opcc"),
                                                ("cambridgeshire", "cambs-opcc")])
@pytest.mark.parametrize("variant", ["full", "bare"])
def test_no_review_is_promised_where_the_body_grants_none(deployment, body_id, variant):
    """GIVEN a body with grants_review false WHEN its acknowledgement is written THEN no review is offered."""
    overrides = {} if variant == "full" else {"missing": [], "complainant": {"name": "", "email": "x@example.org",
                                                                             "anonymous": True}}
    context = sample_context(deployment, body_id=body_id, **overrides)
    context["body"] = {**context["body"], "grants_review": False}
    rendered = TemplateSet(SHIPPED, deployment).render(Kind.ACKNOWLEDGEMENT, context)

    assert not REVIEW_PROMISE.search(rendered.subject + "\n" + rendered.text), rendered.text


@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_staff_notification_tells_staff_everything(deployment, body_id):
    rendered, context = _render(deployment, body_id, Kind.STAFF_NOTIFICATION,
                                staff_reply_hint="Reply above the quoted text.")
    text = rendered.text

    assert context["case"]["ref"] in rendered.subject
    assert "Siân O'Brien <sian.obrien@example.org>" in text
    assert "Monday 23 November 2026 at 10:15 (London time)" in text
    assert f"by the end of {longdate(context['case']['first_contact_due'])}" in text
    assert "it says “shouted at”" in text                  # why, in plain words (case.why) ...
    assert "new-complaint" not in text and "no other rule applied" not in text   # ... never the rule's name
    assert "photo.jpg (178 KB)" in text
    assert "> I was shouted at during the public meeting." in text
    assert "simply reply to this email" in text
    assert "Reply above the quoted text." in text
    assert "#contacted" in text


def test_staff_notification_for_an_anonymous_complaint_without_attachments():
    [_, bare] = sample_contexts("cleveland")
    rendered = TemplateSet(SHIPPED, "cleveland").render(Kind.STAFF_NOTIFICATION, bare)

    assert "(no name given) <resident@example.org>" in rendered.text
    assert "ANONYMOUS" in rendered.text
    assert "(none)" in rendered.text
    assert rendered.subject == "New complaint [CLV-2026-00042]"


def test_the_received_time_is_london_time_in_summer():
    when = datetime(2026, 7, 1, 9, 15, tzinfo=timezone.utc)

    assert londontime(when) == "Wednesday 1 July 2026 at 10:15"
    assert longdate(date(2026, 11, 30)) == "Monday 30 November 2026"
    with pytest.raises(ValueError):
        londontime(datetime(2026, 7, 1, 9, 15))


def test_quote_prefixes_every_line():
    assert quote("Dear Sir,\r\n\r\nI was there.\n") == "> Dear Sir,\n>\n> I was there."


# -- check() on an administrator's broken copy -----------------------------------

def _template_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "demo").mkdir(exist_ok=True)
    return tmp_path


def test_check_reports_a_syntax_error_with_file_and_line(tmp_path):
    folder = _template_dir(tmp_path, {"demo/acknowledgement.txt.j2":
                                      "Subject: Hello {{ case.ref }}\n\nDear {{ complainant.name }},\n"
                                      "{% if missing %}\nAsk.\n"})

    problems = TemplateSet(folder, "demo").check(sample_context("demo"))

    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{folder / 'demo' / 'acknowledgement.txt.j2'}:")
    assert re.search(r"acknowledgement\.txt\.j2:[56]: ", problems[0]), problems


def test_check_reports_an_undefined_variable_with_file_and_line(tmp_path):
    folder = _template_dir(tmp_path, {"common/staff-notification.txt.j2":
                                      "Subject: New {{ case.ref }}\n\nLine three\n{{ case.reff }}\n"})

    problems = TemplateSet(folder, "demo").check(sample_context("demo"))

    assert len(problems) == 1, problems
    assert f"{folder / 'common' / 'staff-notification.txt.j2'}:4:" in problems[0]
    assert "reff" in problems[0]


def test_check_reports_a_missing_subject_line_and_an_unknown_kind(tmp_path):
    folder = _template_dir(tmp_path, {"demo/acknowledgement.txt.j2": "Dear {{ complainant.name }},\n",
                                      "demo/acknowledgment.txt.j2": "Subject: typo\n\nHello\n"})

    problems = TemplateSet(folder, "demo").check(sample_context("demo"))

    assert any("acknowledgement.txt.j2:1:" in problem and "Subject" in problem for problem in problems), problems
    assert any("acknowledgment.txt.j2:1:" in problem and "not a kind" in problem for problem in problems), problems


def test_check_reports_a_broken_included_piece(tmp_path):
    folder = _template_dir(tmp_path, {"common/_piece.txt.j2": "one\n{{ nothing_here }}\n",
                                      "demo/acknowledgement.txt.j2": "Subject: x\n\n{% include '_piece.txt.j2' %}\n"})

    problems = TemplateSet(folder, "demo").check(sample_context("demo"))

    assert any("_piece.txt.j2:2:" in problem and "nothing_here" in problem for problem in problems), problems


def test_render_raises_for_an_undefined_variable(tmp_path):
    folder = _template_dir(tmp_path, {"demo/acknowledgement.txt.j2": "Subject: x\n\n{{ case.nope }}\n"})

    with pytest.raises(jinja2.UndefinedError):
        TemplateSet(folder, "demo").render(Kind.ACKNOWLEDGEMENT, sample_context("demo"))


def test_deployment_template_shadows_common_and_html_is_escaped(tmp_path):
    folder = _template_dir(tmp_path, {
        "common/acknowledgement.txt.j2": "Subject: common\n\ncommon\n",
        "demo/acknowledgement.txt.j2": "Subject: {{ message.subject }}\n\n{{ message.subject }}\n",
        "demo/acknowledgement.html.j2": "<p>{{ message.subject }}</p>\n",
    })
    context = sample_context("demo", message={**sample_context("demo")["message"], "subject": "<b>Tom & Jerry</b>"})

    rendered = TemplateSet(folder, "demo").render(Kind.ACKNOWLEDGEMENT, context)

    assert rendered.subject == "<b>Tom & Jerry</b>"
    assert rendered.text == "<b>Tom & Jerry</b>\n"
    assert rendered.html == "<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>\n"
