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
