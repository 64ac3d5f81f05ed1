"""Form labels are read by what they ask, whatever words a form uses for them."""

import pytest

from mailbot.parse.form_labels import ABOUT_YOU, QUESTIONS, meaning


@pytest.mark.parametrize("label, question", [
    ("Surname", "last name"), ("Family name", "last name"), ("Last name(s)", "last name"),
    ("Forename(s)", "first name"), ("Given name", "first name"), ("Your first name", "first name"),
    ("Name", "full name"), ("Complainant's full name", "full name"),
    ("Officer name/number", "do you know their name or number"), ("Name or number if known",
                                                                  "do you know their name or number"),
    ("E-mail", "email address"), ("Contact email", "email address"), ("Mobile number", "phone"),
    ("Post code", "postcode"), ("Preferred contact method", "how would you like us to contact you"),
    ("Form reference", "submission reference"), ("Date submitted", "date submitted"),
    ("Who is your complaint about", "who is your complaint about"), ("Subject of complaint",
                                                                     "who is your complaint about"),
    ("Person(s) complained about", "who is your complaint about"), ("Complaint about", "who is your complaint about"),
    ("Tell us what happened", "what happened"), ("Description", "what happened"), ("Summary", "what happened"),
    ("Date of incident", "when did it happen"), ("Location", "where did it happen"),
    ("Injury or damage", "was anyone injured or was anything damaged"), ("Witnesses", "were there any witnesses"),
    ("Outcome wanted", "what would you like to happen"), ("Desired outcome", "what would you like to happen"),
    ("Police force", "which police force"),
    ("Are you complaining on behalf of someone else", "are you complaining on behalf of someone else"),
    ("Have you already complained to the police about this",
     "have you already complained to the police about this"),
])
def test_a_label_means_the_question_it_asks(label, question):
    assert meaning(label) == question and question in ABOUT_YOU + QUESTIONS


@pytest.mark.parametrize("words", ["He said", "Contact details", "PS", "Note", "Then the sergeant turned round and "
                                   "asked me what exactly I thought I was doing there at that time"])
def test_words_that_are_no_form_label_mean_nothing(words):
    assert meaning(words) is None


def test_an_iopc_form_in_an_html_table_and_one_with_dotted_leaders_are_read():
    from mailbot.parse import parse_message

    table = ("<p>This complaint was made using the IOPC online form.</p><table>"
             "<tr><td>First name(s)</td><td>Seun</td></tr><tr><td>Last name</td><td>Adebayo</td></tr>"
             "<tr><td>Email address</td><td>seun@example.co.uk</td></tr><tr><td>Police force</td><td>Cleveland</td></tr>"
             "<tr><td>Details</td><td>An officer promised to collect the CCTV and never did.</td></tr></table>")
    dotted = ("POLICE COMPLAINT - SUBMITTED ONLINE VIA THE IOPC WEBSITE\n\nSECTION 1 - YOUR DETAILS\n"
              "  Forename(s) ....... Seun\n  Surname ........... Adebayo\n  Email ............. seun@example.co.uk\n\n"
              "SECTION 2 - WHAT HAPPENED\n  An officer promised to collect the CCTV and never did.\n")
    for content_type, body in (("text/html", table), ("text/plain", dotted)):
        raw = (f"From: IOPC <no-reply@policeconduct.gov.uk>\nTo: x@example.org\nSubject: Online complaint\n"
               f"Content-Type: {content_type}; charset=utf-8\n\n{body}").encode()
        forwarded = parse_message(raw).forwarded
        assert (forwarded.layout, forwarded.display_name, forwarded.sender) == ("iopc-form", "Seun Adebayo",
                                                                                 "seun@example.co.uk"), body
        assert "never did" in forwarded.field("what happened")
