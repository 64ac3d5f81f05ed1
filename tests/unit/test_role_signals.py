"""Who is complained about and what is asked for, in the words people use: made-up mail through the shipped rules.

Each case is a short complaint worded as people write them (not as the corpus
does), with look-alikes that must not count: the decision is what is checked.
"""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.config import shipped_dir
from mailbot.parse import parse_message
from mailbot.triage import Action, Known, evaluate, load_ruleset

CAMBS = load_ruleset(shipped_dir("rules"), "cambridgeshire")
CLEVELAND = load_ruleset(shipped_dir("rules"), "cleveland")
OWN = frozenset({"democratic.services@peterborough.gov.uk", "cambs-pcc@cambs.pnn.police.uk",
                 "resolution.team@cleveland-opcc.example"})
SIGN_OFF = "\n\nRegards,\nJane Doe\n4 Mill Lane, Ely CB7 4XX\n"


def decide(body: str, mailbox: str = "cambs-pcc", *, subject: str = "Police", ruleset=CAMBS):
    raw = (f"From: Jane Doe <jane.doe@example.org>\nTo: someone@example.org\nSubject: {subject}\n"
           f"Message-ID: <r@example.org>\nContent-Type: text/plain; charset=utf-8\n\n{body}{SIGN_OFF}").encode()
    return evaluate(parse_message(raw), mailbox, ruleset, Known(received=date(2026, 12, 8), own_addresses=OWN))


def outcome(decision) -> tuple[str, str | None]:
    return decision.action.value, decision.redirected_to


# The Chief Constable, not by title: the Commissioner's (cambs-pcc opens it; the Panel passes it on).
CHIEF_IN_OTHER_WORDS = [
    "I want to complain about the top cop in Cambridgeshire. At the meeting in March on 3 December he laughed "
    "at a woman whose son was killed on the A141.",
    "The head of Cambridgeshire police has ignored three letters from our parish council about speeding "
    "through the village. This is not good enough.",
    "My complaint is about the boss of the force, who told the Cambs Times last week that rural theft is "
    "'not a priority'.",
    "The chief should be ashamed. On Tuesday she walked out of the public meeting when residents asked "
    "about the station closing.",
    "Our police chief said on the radio that people in Wisbech 'get the policing they deserve'.",
]


@pytest.mark.parametrize("body", CHIEF_IN_OTHER_WORDS)
def test_the_chief_constable_in_other_words_is_the_commissioners(body):
    assert outcome(decide(body)) == ("new-case", None)
    assert outcome(decide(body, "democratic-services")) == ("redirect", "cambs-opcc")


def test_a_paraphrased_role_says_it_is_a_paraphrase():
    decision = decide(CHIEF_IN_OTHER_WORDS[0])
    hit = next(hit for hit in decision.hits if hit.rule == "about-chief-constable-in-other-words")
    assert "please confirm" in hit.reason and hit.matched == "top cop"


@pytest.mark.parametrize("body", [
    "The chief inspector at Parkside was rude to me when I went to report my bike stolen on Monday.",
    "A Chief Superintendent told me on the phone that my complaint 'was going nowhere'.",
    "I spoke to the chief officer of the council's licensing team, who was unhelpful, and then two officers "
    "came and shouted at me.",
])
def test_other_chiefs_are_officers_for_the_psd(body):
    assert outcome(decide(body)) == ("redirect", "cambs-psd")


# Call handlers, PCSOs and officers in everyday words: police staff, for the force's PSD.
@pytest.mark.parametrize("body", [
    "I rang 101 on Monday night and the woman on the phone told me to stop wasting her time.",
    "The call taker hung up on me twice when I tried to report my neighbour's dog attacking my cat.",
    "The bloke who answered the phone at the station laughed when I told him my shed had been broken into.",
    "The coppers who came round on Friday walked mud all through the house and called my son a thug.",
    "Our neighbourhood team promised to patrol the park every evening and have not been seen since June.",
    "The lady on the 101 line said nobody would come out and I should sort it with the neighbours myself.",
])
def test_police_staff_in_everyday_words_go_to_the_psd(body):
    assert outcome(decide(body)) == ("redirect", "cambs-psd")


def test_a_complaint_addressed_to_the_commissioner_about_officers_goes_to_the_psd():
    body = ("I am writing to the Commissioner because two officers searched my van on the A14 on 2 December and "
            "left my tools all over the lay-by.")
    assert outcome(decide(body, subject="FAO Police and Crime Commissioner")) == ("redirect", "cambs-psd")
    assert outcome(decide(body, subject="For the attention of the PCC")) == ("redirect", "cambs-psd")


# What is asked for: a crime number is a crime report, signposted.
@pytest.mark.parametrize("body", [
    "Can I have a crime reference for my stolen bike please? It was taken from outside Tesco on Saturday.",
    "I need an incident number for my insurance, my car was broken into on the drive last night.",
    "Could you send me the crime number for the theft of my catalytic converter, the insurers keep asking.",
    "Apologies for bothering you. I just need a crime reference number for the insurance claim on my stolen phone.",
])
def test_a_request_for_a_crime_number_is_signposted(body):
    decision = decide(body)
    assert decision.action is Action.SIGNPOST and decision.signpost == "crime-report"


@pytest.mark.parametrize("body", [
    "The officer refused to give me a crime number for my stolen bike and never called me back.",
    "PC 1234 would not issue a crime reference for the damage to my car and told me it was 'civil'.",
])
def test_a_refused_crime_number_is_a_complaint_about_the_officer(body):
    assert outcome(decide(body)) == ("redirect", "cambs-psd")


# What is asked for: money, with no complaint about conduct, is a compensation claim.
@pytest.mark.parametrize("body", [
    "I have no complaint about the officers, who were very kind, but they broke my gate getting in and I would "
    "like to claim the cost back.",
    "I'm not complaining about the officers at all. Who pays for the window they smashed to get to my father?",
    "This is not a complaint about the police officers, they did their job. I want to be reimbursed for the "
    "lock they drilled out.",
])
def test_a_money_claim_without_a_complaint_is_signposted(body):
    for ruleset, mailbox in ((CAMBS, "cambs-pcc"), (CLEVELAND, "cleveland-resolution")):
        decision = decide(body, mailbox, ruleset=ruleset)
        assert decision.action is Action.SIGNPOST and decision.signpost == "compensation", (mailbox, body)


def test_a_money_claim_with_a_complaint_about_officers_goes_to_the_psd():
    body = ("I want to complain about the officers who kicked my door in at 5am at the wrong address, and I want "
            "compensation for the door.")
    assert outcome(decide(body)) == ("redirect", "cambs-psd")


# A criminal allegation about the Commissioner, in slang: the IOPC's.
@pytest.mark.parametrize("body", [
    "Everyone in Huntingdon knows the Commissioner has been fiddling his expenses for years.",
    "The PCC is on the take from the developers behind the new station, it is obvious.",
    "The Deputy Commissioner is pocketing the grant money that was meant for victims' charities.",
    "The Police and Crime Commissioner takes backhanders from the company that got the CCTV contract.",
    # force used on a person, threats, drink-driving, abuse of office, and the Commissioner in other words
    "The Deputy Commissioner put her hands on me and gave me a shove that knocked me over a chair.",
    "At the meeting the PCC grabbed my arm and pushed me out of the door.",
    "The elected head of policing, the one on the posters, drove home drunk from the Bull Hotel on 11 December. "
    "I think this is a crime.",
    "The Deputy Commissioner threatened me in the car park: she said she knew where I live and would have me "
    "sorted out.",
    "The Commissioner rang the camera office and had the ticket made to disappear for his son.",
    "The Deputy Commissioner filled in postal votes for residents with dementia. That is vote rigging.",
])
def test_a_criminal_allegation_about_the_commissioner_in_other_words_goes_to_the_iopc(body):
    assert outcome(decide(body, "democratic-services")) == ("redirect", "iopc")


@pytest.mark.parametrize("body", [
    "The Commissioner's new parking scheme has left me £40 a week out of pocket and he will not meet us.",
    "The PCC keeps his hands in his pockets at every meeting and never answers a question from the floor.",
])
def test_money_words_that_allege_no_crime_leave_the_commissioner_with_the_panel(body):
    assert outcome(decide(body, "democratic-services")) == ("new-case", None)


# Cleveland: an officer's misuse of a person's information could be an offence: to the force (seed 004).
@pytest.mark.parametrize("body", [
    "PC Hart looked me up on the police computer and told my neighbour about my old conviction.",
    "An officer passed my new address to my ex-husband, who turned up at my door the next night.",
    "A PCSO shared my personal details in a Facebook group for the estate.",
    "Someone at the station accessed my records for no reason, and my employer now knows about my arrest.",
    "I think an officer checked my details on the system and gave them to my ex. That must be a crime.",
])
def test_misuse_of_information_goes_to_the_force_for_recording(body):
    decision = decide(body, "cleveland-resolution", ruleset=CLEVELAND)
    assert outcome(decision) == ("redirect", "cleveland-dse")


@pytest.mark.parametrize("body", [
    "I gave the officer my address and my phone number and nobody has ever come back to me about my stolen bike.",
    "The officer looked me up and down and sighed, then told me to come back tomorrow.",
    "They asked me to give my details three times on the phone and then cut me off.",
    "I have no complaint about the officers. They broke the door to get in and I want to claim the money back.",
])
def test_look_alikes_of_misuse_stay_with_the_resolution_team(body):
    decision = decide(body, "cleveland-resolution", ruleset=CLEVELAND)
    assert decision.redirected_to is None, decision.trace


def test_no_complaint_about_the_officers_still_hears_one_about_the_call_handler():
    body = ("I have no complaint about the officers who came, they were fine. But the call handler was rude to me "
            "and told me I was 'making a fuss about nothing'.")
    assert outcome(decide(body)) == ("redirect", "cambs-psd")


def test_quoted_words_are_not_the_writers():
    body = ("Thank you for your reply. I still want the two officers who stopped me on 2 December spoken to.\n\n"
            "On 1 Dec 2026, someone wrote:\n> Some people say the Commissioner is on the take.\n"
            "> We cannot give you a crime number.")
    assert outcome(decide(body, "democratic-services")) == ("redirect", "cambs-psd")


def test_a_role_named_plainly_carries_no_doubt():
    decision = decide("The Chief Constable, the top cop in the county, laughed at us at the meeting on 3 December.")
    names = {hit.rule for hit in decision.hits}
    assert "about-chief-constable" in names and "about-chief-constable-in-other-words" not in names
    assert outcome(decision) == ("new-case", None)


def test_the_staff_are_asked_to_confirm_a_paraphrase():
    from mailbot.cases.plain_reasons import plain_reasons

    decision = decide("My complaint is about the boss of the force, who told the paper that rural theft is "
                      "'not a priority' on 2 December.")
    reasons = plain_reasons(decision, CAMBS.bodies[decision.body], forwarder_listed=False)
    assert any("“boss of the force” was read as meaning that the complaint seems to be about the Chief Constable"
               in reason and "please confirm" in reason for reason in reasons), reasons
    plain = decide("My complaint is about the Chief Constable, who told the paper on 2 December that rural theft "
                   "is 'not a priority'.")
    assert not any("please confirm" in reason
                   for reason in plain_reasons(plain, CAMBS.bodies[plain.body], forwarder_listed=False))


@pytest.mark.parametrize("body", [
    "My complaint relates to the Commissioner's decision to close the front desk at Ely, announced on 1 December.",
    "I object to the PCC spending £40,000 on a rebrand while the station in March has no desk staff.",
])
def test_the_commissioner_after_to_is_still_the_subject(body):
    assert outcome(decide(body, "democratic-services")) == ("new-case", None)
    assert decide(body, "democratic-services").body == "cambs-panel"


@pytest.mark.parametrize("body", [
    "I complained to the Commissioner last year about the officers in Wisbech and nothing changed: on 3 December "
    "two of them laughed at my son in the street.",
    "This is a letter to the Commissioner about the PCSO who shouted at my mother outside the Co-op on Monday.",
])
def test_the_commissioner_addressed_is_not_the_subject(body):
    assert outcome(decide(body)) == ("redirect", "cambs-psd")


# What is asked for, in other words: a crime done to the writer and a reference for the insurer or the bank.
@pytest.mark.parametrize("body", [
    "My shed was broken into on Sunday night and two bikes taken. The insurance want a reference before they "
    "will pay out. Can you help?",
    "Someone cut the catalytic converter off my van on the drive. I need to report it for the insurer. Who do I "
    "send the details to?",
    "My handbag was snatched in the market on Friday. The bank says I need a police report for the cards.",
])
def test_a_crime_reported_in_other_words_is_signposted_and_flagged(body):
    decision = decide(body.replace("Can you help?", "Thanks."))
    assert decision.action is Action.SIGNPOST and decision.signpost == "crime-report", decision.trace
    assert "paraphrase:wants-a-crime-reference" in decision.flags


@pytest.mark.parametrize("body", [
    "Our house was burgled on 2 December and I was given crime reference CB/1234/26. Nobody came for nine days "
    "and the officer in the case has not answered four voicemails.",
    "My car was broken into and the officer who came round laughed and said it was my fault for parking there. "
    "I already have the crime number.",
])
def test_a_complaint_about_how_a_crime_was_handled_is_no_crime_report(body):
    assert decide(body).action is not Action.SIGNPOST


# Money asked back in other words, with the complaint disclaimed.
@pytest.mark.parametrize("body", [
    "Officers forced our door looking for someone who moved out years ago. We are not complaining about them at "
    "all, they were decent about it. We just want the cost of the door back.",
    "A police car reversed into my wall on Acklam Road. I don't want to make a complaint, accidents happen, but "
    "I'd like the repair paid for. Who do I send the quote to?",
    "My phone came back from the police with the screen cracked. I'm not after anyone's head, I would just like "
    "to know how to claim for the repair.",
])
def test_money_asked_back_in_other_words_is_signposted(body):
    for ruleset, mailbox in ((CAMBS, "cambs-pcc"), (CLEVELAND, "cleveland-resolution")):
        decision = decide(body, mailbox, ruleset=ruleset)
        assert decision.action is Action.SIGNPOST and decision.signpost == "compensation", (mailbox, decision.trace)


@pytest.mark.parametrize("body", [
    "I had no choice but to complain: officers smashed my door at the wrong address and I want it paid for.",
    "They never apologised for breaking my gate, and I want the cost back.",
])
def test_money_with_a_grievance_stays_a_complaint(body):
    assert decide(body).action is not Action.SIGNPOST


@pytest.mark.parametrize("body", [
    "The only way he could have got it was by putting my partner's number plate through the police computer.",
    "She could only have got the details of my son's caution from police records, and told it as gossip.",
    "My ex sent me photos of my custody record on a police screen that a sergeant had sent him.",
])
def test_misuse_of_police_information_in_everyday_words_goes_to_the_force(body):
    decision = decide(body, "cleveland-resolution", ruleset=CLEVELAND)
    assert outcome(decision) == ("redirect", "cleveland-dse")
    assert "paraphrase:misuse-of-information-in-other-words" in decision.flags


def test_a_name_guessed_from_a_sign_off_is_a_doubt_staff_are_asked_to_check():
    from mailbot.cases.plain_reasons import plain_reasons

    raw = ("From: <kd1970@example.org>\nTo: someone@example.org\nSubject: The Commissioner\n"
           "Content-Type: text/plain\n\nThe Commissioner walked out of the meeting in Ely on 2 December when "
           "residents asked about the station.\n\nRegards,\nKaren Dobbs\n").encode()
    decision = evaluate(parse_message(raw), "democratic-services", CAMBS,
                        Known(received=date(2026, 12, 8), own_addresses=OWN))
    assert decision.complainant_name == "Karen Dobbs" and decision.flags == ("name-guessed",)
    reasons = plain_reasons(decision, CAMBS.bodies[decision.body], forwarder_listed=False)
    assert any("Karen Dobbs, is a guess" in reason for reason in reasons), reasons
    assert decide("The Commissioner walked out of the meeting in Ely on 2 December.", "democratic-services").flags == ()


def test_killed_by_a_drink_driver_is_no_allegation_against_the_commissioner():
    body = ("My brother was killed by a drink driver in 2024, and at the vigil the Commissioner scrolled on his "
            "phone the whole time we spoke.")
    assert outcome(decide(body, "democratic-services")) == ("new-case", None)


@pytest.mark.parametrize("body", [
    "A man I used to work with keeps turning up outside my flat and following me to the gym. I want to report "
    "him. What do I do?",
    "I want to report my neighbour for dealing drugs from his house.",
])
def test_reporting_someone_is_a_crime_report(body):
    for ruleset, mailbox in ((CAMBS, "democratic-services"), (CLEVELAND, "cleveland-resolution")):
        decision = decide(body, mailbox, ruleset=ruleset)
        assert decision.action is Action.SIGNPOST and decision.signpost == "crime-report", (mailbox, decision.trace)


def test_reporting_an_officer_is_a_complaint():
    assert decide("I want to report the officer who pushed my son on Saturday.").action is not Action.SIGNPOST


@pytest.mark.parametrize("body", [
    "The officer said £200 in cash would make the paperwork go away, and I gave him the money at the cashpoint.",
    "In the cell one of them knelt on my arm and my wrist was broken in two places; I had surgery on 8 December.",
    "The officer said as he left 'another one crying wolf' and used a racial slur about me.",
    "They put me in the back of the van with the doors open and made me pull down my trousers and underwear.",
    "The detective on my case keeps messaging me late at night from his own phone and asked me out for a drink.",
    "I believe what they did was unlawful and I want it formally investigated.",
])
def test_serious_conduct_in_everyday_words_goes_to_the_force_in_cleveland(body):
    assert outcome(decide(body, "cleveland-resolution", ruleset=CLEVELAND)) == ("redirect", "cleveland-dse")


@pytest.mark.parametrize("body", [
    "I reported being assaulted outside a bar six weeks ago and the officer in the case has not rung me since.",
    "Nobody has rung back about my e-bike. This email may be unlawful to read if you are not the addressee.",
])
def test_a_crime_the_writer_reported_or_a_disclaimer_is_no_serious_conduct(body):
    assert outcome(decide(body, "cleveland-resolution", ruleset=CLEVELAND)) == ("new-case", None)


def test_a_courier_fraud_by_a_bogus_detective_is_a_crime_report():
    body = ("A man rang saying he was Detective Sergeant Lewis and sent a courier for my cash. It was a scam. "
            "Who do I report it to?")
    decision = decide(body)
    assert decision.action is Action.SIGNPOST and decision.signpost == "crime-report", decision.trace
