"""The messages for redirects, signposts and requests for details say what the seeds say, for every body."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from mailbot.kinds import Kind
from mailbot.outbox.templates import TemplateSet
from mailbot.outbox.template_samples import legal_services, redirect_targets, sample_context, sample_contexts, sample_decision, sample_variants

SHIPPED = Path(__file__).resolve().parents[2] / "templates"
BODIES = [("cambridgeshire", "cambs-panel"), ("cambridgeshire", "cambs-opcc"), ("cleveland", "cleveland-opcc")]
NEW_KINDS = [Kind.REQUEST_DETAILS, Kind.REDIRECT, Kind.REDIRECT_NOTICE, Kind.SIGNPOST]
TO_COMPLAINANT = [Kind.ACKNOWLEDGEMENT, Kind.REQUEST_DETAILS, Kind.REDIRECT_NOTICE, Kind.SIGNPOST]

REVIEW_PROMISE = re.compile(
    r"(can|may|could|entitled to|right to)\s+(ask|request|apply)\s+(for\s+)?(a\s+)?review"
    r"|request(ing)?\s+a\s+review|ask\s+for\s+a\s+review|right\s+of\s+review|review\s+of\s+the\s+outcome"
    r"|treating your email as a request for a review",
    re.IGNORECASE,
)


def _render(deployment, body_id, kind, **overrides):
    context = sample_context(deployment, body_id=body_id, kind=kind, **overrides)
    return TemplateSet(SHIPPED, deployment).render(kind, context), context


def _decided(deployment, body_id, kind, **decision):
    return sample_decision(deployment, kind, body_id=body_id, **decision)


def _every_variant(deployment, body_id, kinds):
    for sample in sample_contexts(deployment):
        if sample["body"]["id"] != body_id:
            continue
        for kind in kinds:
            for context in sample_variants(kind, sample):
                yield kind, context


# -- every kind, every body ------------------------------------------------------

@pytest.mark.parametrize("deployment,body_id", BODIES)
@pytest.mark.parametrize("kind", NEW_KINDS)
def test_every_new_kind_renders_cleanly_for_every_body(deployment, body_id, kind):
    templates = TemplateSet(SHIPPED, deployment)
    for sample in sample_contexts(deployment):
        if sample["body"]["id"] != body_id:
            continue
        for context in sample_variants(kind, sample):
            rendered = templates.render(kind, context)
            where = f"{kind} {context['decision']} review={context['review']} forwarded_by={context['forwarded_by']}"

            assert f"[{context['case']['ref']}]" in rendered.subject, where
            assert "None" not in rendered.text and "None" not in rendered.subject, (where, rendered.text)
            assert "\n\n\n" not in rendered.text, (where, rendered.text)
            assert not re.search(r"[ \t]\n", rendered.text), (where, rendered.text)
            assert "{{" not in rendered.text and "{%" not in rendered.text


@pytest.mark.parametrize("deployment", ["cambridgeshire", "cleveland"])
def test_every_new_kind_has_a_template(deployment):
    assert set(NEW_KINDS) <= set(TemplateSet(SHIPPED, deployment).kinds_available())


@pytest.mark.parametrize("deployment,body_id", [("cambridgeshire", "cambs-panel"), ("cleveland", "cleveland-opcc"),
                                                ("cambridgeshire", "cambs-opcc")])
def test_no_review_is_promised_where_the_body_grants_none(deployment, body_id):
    """GIVEN a body with grants_review false (cambs-opcc forced so) WHEN any message to the complainant is written,
    a review request among them, THEN none offers or promises a review."""
    templates = TemplateSet(SHIPPED, deployment)
    for kind, context in _every_variant(deployment, body_id, TO_COMPLAINANT):
        context["body"] = {**context["body"], "grants_review": False}
        rendered = templates.render(kind, context)

        found = REVIEW_PROMISE.search(rendered.subject + "\n" + rendered.text)
        assert not found, (kind, context["review"], found and found.group(0), rendered.text)


# -- request-details ---------------------------------------------------------------

@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_request_for_a_name_and_address_says_what_and_why(deployment, body_id):
    rendered, context = _render(deployment, body_id, Kind.REQUEST_DETAILS, missing=[],
                                decision=_decided(deployment, body_id, Kind.REQUEST_DETAILS,
                                                  needs=["name-and-address"]))
    text = rendered.text

    assert context["case"]["ref"] in rendered.subject
    assert "full name and your postal address" in text
    assert "kept confidential to your complaint" in text
    assert "reply to this email" in text and f"keep the reference {context['case']['ref']} in the subject" in text
    assert "written permission" not in text
    assert "Some details would help us" not in text
    assert "by the end of" not in text                       # no first-contact date while details are awaited
    why = {"cambs-opcc": "cannot deal with complaints made anonymously",
           "cambs-panel": "the Panel needs to know who is making it",
           "cleveland-opcc": "We need to know who is making the complaint"}[body_id]
    assert why in text


@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_request_for_written_permission_says_what_and_why(deployment, body_id):
    rendered, context = _render(deployment, body_id, Kind.REQUEST_DETAILS, missing=[],
                                decision=_decided(deployment, body_id, Kind.REQUEST_DETAILS,
                                                  needs=["written-permission"]))
    text = rendered.text

    assert "on behalf of someone else" in text
    assert "that person's written permission" in text
    assert "solicitors too" in text
    assert "signed letter, or an email from them" in text
    assert "with it attached" in text and "with the permission attached" in text
    assert "postal address" not in text


@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_request_for_both_and_for_missing_details(deployment, body_id):
    rendered, _ = _render(deployment, body_id, Kind.REQUEST_DETAILS)   # both needs, and missing: when, witnesses
    text = rendered.text

    assert "full name and your postal address" in text and "written permission" in text
    assert "When did it happen?" in text and "Was anyone else there" in text
    assert text.index("postal address") < text.index("written permission") < text.index("When did it happen?")


def test_the_panel_offers_its_telephone_number_when_asking():
    rendered, _ = _render("cambridgeshire", "cambs-panel", Kind.REQUEST_DETAILS)

    assert "07983 322628" in rendered.text


# -- signpost --------------------------------------------------------------------------

@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_a_crime_report_is_signposted_to_999_and_101(deployment, body_id):
    rendered, _ = _render(deployment, body_id, Kind.SIGNPOST,
                          decision=_decided(deployment, body_id, Kind.SIGNPOST, signpost="crime-report",
                                            signpost_to=None, rule="crime-report"))
    text = rendered.text

    assert "report a crime" in rendered.subject.lower()
    assert "call 999" in text and "call 101" in text
    assert "report it online" in text
    assert "has not been recorded as a complaint" in text
    assert "If you also want to" in text and "reply to this email" in text
    assert "legal" not in text.lower()


def test_the_cambridgeshire_crime_signpost_gives_the_forces_website():
    rendered, _ = _render("cambridgeshire", "cambs-opcc", Kind.SIGNPOST,
                          decision=_decided("cambridgeshire", "cambs-opcc", Kind.SIGNPOST, signpost="crime-report",
                                            signpost_to=None))

    assert "www.cambs.police.uk" in rendered.text


@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_a_compensation_claim_is_signposted_to_legal_services_and_citizens_advice(deployment, body_id):
    rendered, context = _render(deployment, body_id, Kind.SIGNPOST)
    legal = context["decision"]["signpost_to"]
    text = rendered.text

    assert context["decision"]["signpost"] == "compensation" and legal == legal_services(deployment)
    assert f"Email: {legal['address']}" in text
    assert legal["name"] in text
    assert "Citizens Advice" in text
    assert "has not been recorded as a complaint" in text
    assert "If you also want to make a complaint" in text and "reply to this email" in text
    assert "call 999" in text                                    # the urgent-help line is still there


def test_a_compensation_claim_without_a_directory_entry_still_reads():
    rendered, _ = _render("cleveland", "cleveland-opcc", Kind.SIGNPOST,
                          decision=_decided("cleveland", "cleveland-opcc", Kind.SIGNPOST, signpost_to=None))

    assert "please contact their Legal Services Department." in rendered.text


def test_the_commissioner_says_it_cannot_insist_on_compensation():
    rendered, _ = _render("cambridgeshire", "cambs-opcc", Kind.SIGNPOST)

    assert "no legal power to insist on compensation" in rendered.text


# -- redirect-notice and redirect ---------------------------------------------------------

@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_the_redirect_notice_names_the_body_and_its_address_for_every_target(deployment, body_id):
    for target in redirect_targets(deployment, body_id):
        decision = _decided(deployment, body_id, Kind.REDIRECT_NOTICE, redirected_to=target)
        rendered, context = _render(deployment, body_id, Kind.REDIRECT_NOTICE, decision=decision)
        text = rendered.text

        assert target["name"] in rendered.subject, target
        assert target["name"] in text and f"Email: {target['address']}" in text, target
        assert "You do not need to do anything more" in text
        assert "you do not need to send your complaint again" in text
        assert decision["explanation"] in text
        assert context["case"]["ref"] in rendered.subject


def test_the_redirect_notice_gives_what_the_seeds_say_about_each_target():
    def text_for(deployment, body_id, target_id):
        [target] = [entry for entry in redirect_targets(deployment, body_id) if entry["id"] == target_id]
        return _render(deployment, body_id, Kind.REDIRECT_NOTICE,
                       decision=_decided(deployment, body_id, Kind.REDIRECT_NOTICE, redirected_to=target,
                                         explanation=""))[0].text

    psd = text_for("cambridgeshire", "cambs-panel", "cambs-psd")
    assert "below the rank of Chief Constable" in psd and "police staff" in psd
    assert "Biggleswade" in psd and "01234 842 538" in psd
    iopc = text_for("cambridgeshire", "cambs-panel", "iopc")
    assert "may have committed a crime" in iopc and "www.policeconduct.gov.uk" in iopc
    opcc = text_for("cambridgeshire", "cambs-panel", "cambs-opcc")
    assert "complaints about the Chief Constable" in opcc and "PO Box 688, Huntingdon, PE29 9LA" in opcc
    dse = text_for("cleveland", "cleveland-opcc", "cleveland-dse")
    assert "Schedule 3 of the Police Reform Act 2002" in dse
    for matter in ("died or been seriously injured", "criminal offence", "disciplinary proceedings",
                   "Article 2 or 3", "Independent Office for Police Conduct"):
        assert matter in dse


def test_the_redirect_notice_to_the_commissioner_warns_an_anonymous_complainant():
    [opcc] = [entry for entry in redirect_targets("cambridgeshire", "cambs-panel") if entry["id"] == "cambs-opcc"]
    rendered, _ = _render("cambridgeshire", "cambs-panel", Kind.REDIRECT_NOTICE,
                          complainant={"name": "", "email": "x@example.org", "anonymous": True},
                          decision=_decided("cambridgeshire", "cambs-panel", Kind.REDIRECT_NOTICE,
                                            redirected_to=opcc))

    assert rendered.text.startswith("Hello,\n")
    assert "cannot deal with complaints made anonymously" in rendered.text


@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_the_redirect_cover_note_tells_the_other_body_what_it_needs(deployment, body_id):
    rendered, context = _render(deployment, body_id, Kind.REDIRECT)
    target = context["decision"]["redirected_to"]
    text = rendered.text

    assert context["case"]["ref"] in rendered.subject and context["body"]["name"] in rendered.subject
    assert text.startswith(f"Dear colleagues at the {target['name']},")
    assert "attached exactly as it was received" in text
    assert "sian.obrien@example.org" in text and "Siân O'Brien" in text
    assert context["decision"]["explanation"] in text
    assert context["decision"]["rule"] not in text and "Rule:" not in text   # the body's own words, not ours
    assert "photo.jpg (178 KB)" in text
    assert "> I was shouted at" not in text                     # the complaint is attached, not quoted


def test_the_redirect_cover_note_says_who_passed_it_on():
    rendered, _ = _render("cleveland", "cleveland-opcc", Kind.REDIRECT,
                          forwarded_by={"name": "Cleveland Police", "address": "force@cleveland-police.example",
                                        "layout": "attached", "listed": True})

    assert "It reached us from Cleveland Police (force@cleveland-police.example)" in rendered.text


# -- the acknowledgement: reviews, forwards, no first-contact date ---------------------------

def test_a_review_request_is_acknowledged_as_one():
    rendered, _ = _render("cambridgeshire", "cambs-opcc", Kind.ACKNOWLEDGEMENT,
                          review={"outcome_date": date(2026, 11, 2), "in_time": True})
    text = rendered.text

    assert "We are treating your email as a request for a review of the outcome of your complaint" in text
    assert "outcome letter dated Monday 2 November 2026" in text
    assert "not a new investigation" in text
    assert "more than 28 days" not in text


def test_a_late_review_request_is_not_refused():
    rendered, _ = _render("cambridgeshire", "cambs-opcc", Kind.ACKNOWLEDGEMENT,
                          review={"outcome_date": date(2026, 10, 1), "in_time": False})
    text = rendered.text

    assert "more than 28 days after" in text
    assert "does not mean it has been turned down" in text
    assert "consider whether it can still be accepted" in text
    assert not re.search(r"\b(rejected|refused|cannot be accepted|out of time)\b", text, re.IGNORECASE)


@pytest.mark.parametrize("deployment,body_id", BODIES)
def test_an_undated_review_request_asks_for_the_letters_date(deployment, body_id):
    rendered, _ = _render(deployment, body_id, Kind.ACKNOWLEDGEMENT, review={"outcome_date": None, "in_time": None})

    assert "Your request for a review" in rendered.text
    assert "the date of the letter that told you the outcome" in rendered.text


def test_a_complaint_from_the_iopc_form_says_who_passed_it_on():
    rendered, _ = _render("cambridgeshire", "cambs-opcc", Kind.ACKNOWLEDGEMENT,
                          forwarded_by={"name": "Independent Office for Police Conduct",
                                        "address": "enquiries@policeconduct.gov.uk", "layout": "iopc-form",
                                        "listed": True})

    assert ("Your complaint was passed to us by the Independent Office for Police Conduct (IOPC), "
            "through its online complaint form") in rendered.text
    assert "Thank you for contacting" not in rendered.text


def test_a_complaint_from_the_dse_needs_nothing_more_from_the_complainant():
    rendered, _ = _render("cleveland", "cleveland-opcc", Kind.ACKNOWLEDGEMENT,
                          forwarded_by={"name": "Cleveland Police Department of Standards and Ethics",
                                        "address": "standards.ethics@cleveland-police.example", "layout": "attached",
                                        "listed": True})

    assert "Your complaint was passed to us by Cleveland Police Department of Standards and Ethics" in rendered.text
    assert "You do not need to do anything further." in rendered.text


@pytest.mark.parametrize("deployment,body_id", BODIES)
@pytest.mark.parametrize("kind", [Kind.ACKNOWLEDGEMENT, Kind.STAFF_NOTIFICATION])
def test_existing_templates_cope_without_a_first_contact_date(deployment, body_id, kind):
    context = sample_context(deployment, body_id=body_id, kind=kind)
    context["case"] = {**context["case"], "status": "closed", "first_contact_due": None}

    rendered = TemplateSet(SHIPPED, deployment).render(kind, context)

    assert "by the end of" not in rendered.text
    assert f"within {context['case']['first_contact_working_days']} working days" in rendered.text


def test_the_staff_notification_flags_a_late_review_and_a_forward():
    rendered, _ = _render("cambridgeshire", "cambs-opcc", Kind.STAFF_NOTIFICATION,
                          review={"outcome_date": date(2026, 10, 1), "in_time": False},
                          forwarded_by={"name": "Cambridgeshire Constabulary", "address": "psd@cambs.pnn.police.uk",
                                        "layout": "inline", "listed": True})

    assert "Passed on by:       Cambridgeshire Constabulary <psd@cambs.pnn.police.uk>" in rendered.text
    assert "APPEARS LATE" in rendered.text and "Thursday 1 October 2026" in rendered.text


# -- the sample context and check() ---------------------------------------------------------

DECISION_KEYS = {"action", "rule", "explanation", "redirected_to", "signpost", "signpost_to", "needs"}


@pytest.mark.parametrize("deployment", ["cambridgeshire", "cleveland", "demo"])
def test_every_sample_has_the_documented_shape(deployment):
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    actions = {Kind.REQUEST_DETAILS: "request-details", Kind.REDIRECT: "redirect",
               Kind.REDIRECT_NOTICE: "redirect", Kind.SIGNPOST: "signpost"}
    for sample in sample_contexts(deployment):
        for kind in Kind:
            for context in sample_variants(kind, sample):
                assert {"decision", "review", "forwarded_by"} <= set(context)
                assert set(context["decision"]) == DECISION_KEYS
                if kind is not Kind.STAFF_NOTIFICATION:   # staff are notified of every decision
                    assert context["decision"]["action"] == actions.get(kind, "new-case")
                if kind in (Kind.REDIRECT, Kind.REDIRECT_NOTICE):
                    assert set(context["decision"]["redirected_to"]) == {"id", "name", "address"}
                    assert context["case"]["first_contact_due"] is None
    for key in DECISION_KEYS | {"review:", "outcome_date:", "in_time:", "forwarded_by:", "layout:"}:
        assert key in readme, key


def test_check_covers_the_new_kinds_even_from_a_plain_sample(tmp_path):
    """GIVEN a redirect-notice with a mistake only a redirect shows, and check given an acknowledgement's sample
    (as `mailbot check` builds them from the rule set) THEN the mistake is found with its file and line."""
    (tmp_path / "common").mkdir()
    (tmp_path / "demo").mkdir()
    template = tmp_path / "demo" / "redirect-notice.txt.j2"
    template.write_text("Subject: Passed on [{{ case.ref }}]\n\n"
                        "We sent it to {{ decision.redirected_to.name }}.\n"
                        "{% if decision.redirected_to.id == 'example-target' %}\n"
                        "{{ decision.redirected_to.postal_address }}\n"
                        "{% endif %}\n", encoding="utf-8")

    problems = TemplateSet(tmp_path, "demo").check(sample_context("demo"))

    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{template}:5:"), problems
    assert "postal_address" in problems[0]


def test_check_finds_a_mistake_in_a_branch_only_a_late_review_takes(tmp_path):
    (tmp_path / "demo").mkdir()
    template = tmp_path / "demo" / "acknowledgement.txt.j2"
    template.write_text("Subject: Hello [{{ case.ref }}]\n\n"
                        "{% if review and review.in_time == false %}\n"
                        "{{ review.letter_date | longdate }}\n"
                        "{% endif %}\n", encoding="utf-8")

    problems = TemplateSet(tmp_path, "demo").check()

    assert len(problems) == 1 and problems[0].startswith(f"{template}:4:"), problems


def test_check_finds_a_template_that_needs_a_first_contact_date(tmp_path):
    (tmp_path / "demo").mkdir()
    template = tmp_path / "demo" / "signpost.txt.j2"
    template.write_text("Subject: Hello [{{ case.ref }}]\n\nBy {{ case.first_contact_due | longdate }}.\n",
                        encoding="utf-8")

    problems = TemplateSet(tmp_path, "demo").check()

    assert len(problems) == 1 and problems[0].startswith(f"{template}:3:"), problems


@pytest.mark.parametrize("deployment", ["cambridgeshire", "cleveland"])
def test_shipped_templates_pass_check_with_the_samples_mailbot_check_builds(deployment):
    samples = []
    for sample in sample_contexts(deployment):
        plain = sample_context(deployment)
        plain.update(body=sample["body"], mailbox=sample["mailbox"], case={**plain["case"], "ref": sample["case"]["ref"]})
        samples.append(plain)

    assert TemplateSet(SHIPPED, deployment).check(samples) == []


@pytest.mark.parametrize("name,layout,written", [
    ("IOPC Online Complaints", "iopc-form",
     "the Independent Office for Police Conduct (IOPC), through its online complaint form"),
    ("Harlow, Jenna", "outlook", "Jenna Harlow"),
    ("Standards and Ethics", "attached-message", "Standards and Ethics"),
    ("Independent Office for Police Conduct", "gmail", "the Independent Office for Police Conduct"),
    ("Cleveland Office of the PCC, Resolution Team", "outlook", "Cleveland Office of the PCC, Resolution Team"),
    ("", "attached-message", "another organisation"),
])
def test_the_forwarder_is_named_as_a_person_would_write_it(name, layout, written):
    rendered, _ = _render("cambridgeshire", "cambs-panel", Kind.ACKNOWLEDGEMENT,
                          forwarded_by={"name": name, "address": "someone@example.org", "layout": layout,
                                        "listed": True})

    assert f"Your complaint was passed to us by {written}, and we have recorded it." in rendered.text
