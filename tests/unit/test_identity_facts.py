"""Who complains: names in any script and layout, households, anonymity in ordinary words, writing for someone
else, and a permission attached as a scan (issue 9). Varied people and wording, none taken from the corpus."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.config import shipped_dir
from mailbot.parse import parse_message
from mailbot.triage import Known, evaluate, load_ruleset
from mailbot.triage.identity import identify, sign_off_name
from mailbot.triage.person_names import person_name
from mailbot.triage.view import complaint_view

CAMBS = load_ruleset(shipped_dir("rules"), "cambridgeshire")
CLEVELAND = load_ruleset(shipped_dir("rules"), "cleveland")
OWN = frozenset({"democratic.services@peterborough.gov.uk", "cambs-pcc@cambs.pnn.police.uk",
                 "resolution.team@cleveland-opcc.example"})
COMPLAINT = ("I want to complain about the sergeant who came to our house on 2 November. He shouted at us in the "
             "hallway and told us we were wasting his time, in front of the children.\n\n")


def mail(body: str, *, sender: str = "x81@example.net", attachment: str = "") -> bytes:
    head = (f"From: {sender}\nTo: cambs-pcc@cambs.pnn.police.uk\nSubject: Complaint\nMessage-ID: <n@example.org>\n"
            "MIME-Version: 1.0\n")
    if not attachment:
        return (head + f"Content-Type: text/plain; charset=utf-8\n\n{body}").encode()
    return (head + "Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain; charset=utf-8\n\n"
            + body + f"\n--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; filename={attachment}\n"
            "Content-Transfer-Encoding: base64\n\nJVBERi0=\n--XX--\n").encode()


def identity_of(raw: bytes, ruleset=CAMBS):
    return identify(complaint_view(parse_message(raw), ruleset, OWN), ruleset.policy)


@pytest.mark.parametrize("written, name", [
    ("Agnieszka Wróbel", "Agnieszka Wróbel"),
    ("Siân Ó Briain", "Siân Ó Briain"),
    ("Zoë Kowalczyk-Nowak", "Zoë Kowalczyk-Nowak"),
    ("Ludwig van der Berg", "Ludwig van der Berg"),
    ("Mr J. Okafor", "Mr J. Okafor"),
    ("A. Patel", "A. Patel"),
    ("Hughes, Bethan", "Hughes, Bethan"),
    ("John & Mary Smith", "John & Mary Smith"),
    ("Mr and Mrs Adeyemi", "Mr and Mrs Adeyemi"),
    ("The Kowalski Family", "The Kowalski Family"),
    ("Doherty family", "Doherty family"),
    ("Sutherland Fiona (Practice Manager)", "Sutherland Fiona"),
    ("Tom Briggs | Chair", "Tom Briggs"),
    ("Fenland Motorsport & Tuning", ""),
    ("Smith & Jones", ""),
    ("Oakfield Medical Practice", ""),
    ("Riverside Residents Association", ""),
    ("A concerned resident", ""),
    ("S.", ""),
    ("Admin Team", ""),
    ("the smiths", ""),
])
def test_a_name_is_read_in_any_script_and_layout_and_an_organisation_is_not_a_person(written, name):
    assert person_name(written, CAMBS.policy) == name


def test_an_encoded_from_name_with_accents_is_a_name():
    raw = mail(COMPLAINT + "Thank you", sender="=?utf-8?Q?Ren=C3=A9e_Lef=C3=A8vre?= <rl@example.org>")
    found = identity_of(raw)
    assert found.name == "Renée Lefèvre" and not found.anonymous
    assert "display name 'Renée Lefèvre'" in found.evidence[0]


@pytest.mark.parametrize("sign_off, name", [
    ("Kind regards,\n\nDariusz Zieliński\n07700 900123", "Dariusz Zieliński"),
    ("Thanks - Maureen O'Hara", "Maureen O'Hara"),
    ("Yours faithfully\nMrs P. Achebe\n14 Mill Lane\nEly", "Mrs P. Achebe"),
    ("Best wishes,\nKeith Barlow\nChair\nBarlow Road Allotment Society\n01223 900111", "Keith Barlow"),
    ("Cheers\nRob & Sally Fenwick", "Rob & Sally Fenwick"),
])
def test_a_name_only_in_the_sign_off_is_taken_and_said_to_be_a_guess(sign_off, name):
    found = identity_of(mail(COMPLAINT + sign_off))
    assert found.name == name and not found.anonymous
    assert "guessed from the sign-off" in found.evidence[0]


def test_an_organisation_below_the_signers_name_is_not_the_complainant():
    body = COMPLAINT + "Regards\n\nHelen Marsh\nOffice Manager\nGreenway Surgery\nGreenway, Ely CB6 1XX\n01353 900200"
    assert sign_off_name(body, CAMBS.policy)[0] == "Helen Marsh"


@pytest.mark.parametrize("wish", [
    "I don't want my name on this.",
    "Please keep my name out of it, I live on the same street.",
    "Please don't tell them who I am.",
    "Could you treat this as anonymous please.",
    "I must ask that my name is not used or passed to the force.",
    "Please do not pass on my name to anyone.",
    "Can you keep me out of it, I have to work with these people.",
])
def test_a_wish_to_stay_anonymous_in_ordinary_words_makes_a_named_writer_anonymous(wish):
    for ruleset in (CAMBS, CLEVELAND):
        found = identity_of(mail(COMPLAINT + wish + "\n\nDeborah Lindqvist", sender="Deborah Lindqvist <dl@example.org>"),
                            ruleset)
        assert found.anonymous and found.name == "Deborah Lindqvist"
        assert any(line.startswith("asks to stay anonymous") for line in found.evidence)


@pytest.mark.parametrize("text", [
    "I am not complaining on anyone's behalf, I just want my name kept on file.",
    "My name is on the letter they sent, so they know who I am.",
])
def test_mentioning_a_name_is_not_a_wish_for_anonymity(text):
    assert not identity_of(mail(COMPLAINT + text + "\n\nOwen Price", sender="Owen Price <op@example.org>")).anonymous


@pytest.mark.parametrize("text", [
    "I am writing about what happened to my daughter Chloe at the custody suite.",
    "My husband has asked me to write to you because he cannot use email.",
    "Kwame does not know I am writing this but I cannot let it go. I am his mother.",
    "I am complaining on my brother's behalf about how he was stopped.",
    "He could not speak English well, so I am writing on his behalf.",
    "He was pushed against the van.\n\nLinda Carr\n(Jamie's mum)",
    "She doesn't know I'm emailing you, she'd say not to make a fuss.\n\nCallum Rowe (her grandson)",
    "Dad isn't on email, so I'm raising this for him.",
    "My aunt would never complain herself, so I am complaining about the letter for her.",
    "I'd like to complain for Stephen, one of the men I support. He hasn't signed anything.",
    "Our constituent has asked us to take it up with you.",
])
def test_writing_for_someone_else_is_third_party_in_everyday_words(text):
    found = identity_of(mail(COMPLAINT + text, sender="Linda Carr <lc@example.org>"))
    assert found.third_party and not found.permission_enclosed


@pytest.mark.parametrize("text", [
    "I am not writing on her behalf; I saw it happen myself.",
    "My son was with me when the sergeant shouted at me.",
])
def test_writing_about_what_the_writer_saw_is_not_third_party(text):
    assert not identity_of(mail(COMPLAINT + text, sender="Ruth Ames <ra@example.org>")).third_party


@pytest.mark.parametrize("text, filename", [
    ("I am writing on behalf of my father. I have attached SCAN_0001.pdf which is his signed consent.", "SCAN_0001.pdf"),
    ("We act for Mr Tariq Aziz. Please find attached IMG_20261203.jpg, his signed letter of authority.",
     "IMG_20261203.jpg"),
    ("I am complaining for my sister who is in hospital. Attached (doc00123.pdf) is the letter she signed saying "
     "I can act for her.", "doc00123.pdf"),
])
def test_a_signed_permission_attached_as_a_scan_is_seen(text, filename):
    found = identity_of(mail(COMPLAINT + text, sender="Ali Aziz <aa@example.org>", attachment=filename))
    assert found.third_party and found.permission_enclosed
    assert any(filename in line for line in found.evidence)


def test_a_photo_attached_is_not_permission():
    text = "I am writing on behalf of my husband. I have attached IMG_4411.jpg showing his bruised wrists."
    found = identity_of(mail(COMPLAINT + text, sender="Ali Aziz <aa@example.org>", attachment="IMG_4411.jpg"))
    assert found.third_party and not found.permission_enclosed


@pytest.mark.parametrize("fields, name", [
    ("First name: Grace\nLast name: Mbeki", "Grace Mbeki"),
    ("Forename: Piotr\nSurname: NOWAK", "Piotr NOWAK"),
    ("First name(s): Ana Lucia\nFamily name: Ferreira", "Ana Lucia Ferreira"),
])
def test_an_iopc_form_with_separate_name_fields_opens_a_case_for_the_person(fields, name):
    raw = ("From: IOPC Online Complaints <no-reply@policeconduct.gov.uk>\nTo: resolution.team@cleveland-opcc.example\n"
           "Subject: Online complaint form\nMessage-ID: <f@policeconduct.gov.uk>\nContent-Type: text/plain\n\n"
           "This complaint was submitted using the online complaint form on the IOPC website.\n\n"
           f"ABOUT YOU\n{fields}\nEmail address: person@example.net\n\nYOUR COMPLAINT\n"
           "Which police force: Cleveland Police\nWho is your complaint about: A police officer\n"
           "What happened: The officer who took my statement on 4 December never rang me back as promised and "
           "ignored my emails for three weeks.\n").encode()
    found = identity_of(raw, CLEVELAND)
    assert found.name == name and found.email == "person@example.net" and not found.anonymous
    assert "the form's name fields" in found.evidence[0]
    decision = evaluate(parse_message(raw), "cleveland-resolution", CLEVELAND, Known(received=date(2026, 12, 8),
                                                                                          own_addresses=OWN))
    assert decision.complainant_name == name and not decision.anonymous


@pytest.mark.parametrize("layout", [
    "Your first name: Grace\nYour surname: Mbeki\nYour e-mail: person@example.net\n"
    "Who is your complaint about? A police officer\nTell us what happened: {what}",
    "Given name(s): Grace\nFamily name: Mbeki\nContact email address: person@example.net\n"
    "Please tell us who your complaint is about: a police officer\nDescribe what happened:\n{what}",
])
def test_an_iopc_form_is_read_whatever_words_its_labels_use(layout):
    what = ("The officer who took my statement on 4 December never rang me back as promised and ignored my "
            "emails for three weeks.")
    raw = ("From: IOPC Online Complaints <no-reply@policeconduct.gov.uk>\nTo: resolution.team@cleveland-opcc.example\n"
           "Subject: Online complaint form\nMessage-ID: <f@policeconduct.gov.uk>\nAuto-Submitted: auto-generated\n"
           "Content-Type: text/plain\n\n"
           "This complaint was submitted using the online complaint form on the IOPC website.\n\n"
           + layout.format(what=what) + "\n").encode()
    found = identity_of(raw, CLEVELAND)
    assert (found.name, found.email, found.anonymous) == ("Grace Mbeki", "person@example.net", False)
    decision = evaluate(parse_message(raw), "cleveland-resolution", CLEVELAND, Known(received=date(2026, 12, 8),
                                                                                          own_addresses=OWN))
    assert decision.change.opens and decision.complainant_name == "Grace Mbeki"


def test_a_question_in_a_persons_own_words_is_not_a_form_label():
    text = ("Who is your complaint about? you might ask. The sergeant at Parkside, who shouted at me on "
            "Monday.\n\nJo Bell")
    found = identity_of(mail(COMPLAINT + text, sender="Jo Bell <jo.bell@example.org>"))
    assert found.name == "Jo Bell" and "form" not in found.evidence[0]


@pytest.mark.parametrize("sign_off, sender, name", [
    ("Thanks,\nDave", "dave.hughes77@example.net", "Dave Hughes"),
    ("Cheers, Priti", "priti_raman@example.org", "Priti Raman"),
    ("", "Marek <marek.sobczak@example.com>", "Marek Sobczak"),
    ("Thanks,\nDave", "dh1970@example.net", ""),
    ("Thanks,\nDave", "tom.hughes@example.net", ""),
])
def test_a_first_name_alone_is_completed_only_by_an_address_that_begins_with_it(sign_off, sender, name):
    found = identity_of(mail(COMPLAINT + sign_off, sender=sender))
    assert found.name == name and found.anonymous == (not name)
    if name:
        assert "guessed from" in found.evidence[0] and "the address" in found.evidence[0]


@pytest.mark.parametrize("sign_off, name", [
    ("Yours sincerely,\n\nVicar of St Barnabas, Wisbech\nThe Revd Ruth Ashby\n\nThis email is confidential.",
     "Revd Ruth Ashby"),
    ("Kind regards,\nChair, Fen Ditton Speedwatch\nHarriet Drummond-Yates", "Harriet Drummond-Yates"),
])
def test_a_name_under_a_job_title_below_the_closing_is_read(sign_off, name):
    found = identity_of(mail(COMPLAINT + sign_off))
    assert found.name == name and not found.anonymous and found.name_guessed


@pytest.mark.parametrize("wish", [
    "I'd rather my name wasn't on this at all.",
    "Treat it as though it came from nobody in particular.",
    "Please log this but without my name on it.",
    "I do not want to be identified in any way as I still work there.",
    "I don't want anyone round here knowing it came from me.",
])
def test_a_wish_to_stay_anonymous_in_ordinary_words_is_heard(wish):
    found = identity_of(mail(COMPLAINT + wish + "\n\nJo Bell", sender="Jo Bell <jo.bell@example.org>"))
    assert found.anonymous and any("asks to stay anonymous" in line for line in found.evidence)


def test_a_signed_note_in_one_sentence_and_its_photo_in_the_next_is_permission():
    words = ("I am writing on behalf of my mother. Mum has signed a short note saying she is happy for me to make "
             "this complaint for her. I took a photo of it on my phone and it's attached.")
    found = identity_of(mail(COMPLAINT + words, sender="Lorraine Beck <lb@example.org>",
                             attachment="20261223_135412.jpg"))
    assert found.third_party and found.permission_enclosed
