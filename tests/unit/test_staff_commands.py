"""Staff commands: the #lines at the top of a staff reply drive the case; any other reply is relayed."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mailbot.triage.staff_commands import (
    COMMANDS, Command, StaffCommands, meets_first_contact, read_commands, usage)

BODIES = {"cambs-opcc": "cambs-opcc", "cambs-panel": "cambs-panel", "cambs-psd": "cambs-psd",
          "psd": "cambs-psd", "iopc": "iopc"}


def read(text: str) -> StaffCommands:
    result = read_commands(text, BODIES)
    assert result is not None, f"not read as a command reply: {text!r}"
    return result


def names(result: StaffCommands) -> list[str]:
    assert not result.errors, result.errors
    return [command.name for command in result.commands]


def only_error(text: str) -> str:
    result = read(text)
    assert result.commands == ()
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# --- the corpus scenario p21 -------------------------------------------------------------------------------------

def test_a_plain_reply_is_correspondence_to_relay():
    reply = ("Dear Mrs Tate,\n\nThank you for your email, which has been passed to me. I will be looking\n"
             "into your complaint about the Chief Constable on the Commissioner's behalf.\n\nKind regards\n")
    assert read_commands(reply, BODIES) is None


def test_note_keeps_the_rest_of_the_reply_as_the_note():
    result = read("#note\nSpoke to Mrs Tate by phone at 14:40. She would be satisfied with a written\n"
                  "explanation. Chased the staff officer.\n")
    assert result.commands == (Command("note", "", 1),)
    assert result.note == ("Spoke to Mrs Tate by phone at 14:40. She would be satisfied with a written\n"
                           "explanation. Chased the staff officer.")
    assert result.errors == ()


def test_close_with_words_below_it():
    result = read("#close\nExplanation and apology posted to Mrs Tate today;\nshe is content.\n")
    assert result.commands == (Command("close", "", 1),)
    assert result.note == "Explanation and apology posted to Mrs Tate today;\nshe is content."


# --- every command -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["note", "contacted", "outcome", "close", "reopen"])
def test_each_command_without_an_argument(name):
    assert read(f"#{name}").commands == (Command(name, "", 1),)


@pytest.mark.parametrize("written, stored", [
    ("officer.a@peterborough.gov.uk", "officer.a@peterborough.gov.uk"),
    ("Officer.A@Peterborough.GOV.uk", "Officer.A@peterborough.gov.uk"),          # only the domain is lower-cased
    ("Alice Officer <alice@Cambs.PNN.police.uk>", "alice@cambs.pnn.police.uk"),
    ('"Officer, Alice" <alice@cambs.pnn.police.uk>', "alice@cambs.pnn.police.uk"),
    ("Officer, Alice <alice@cambs.pnn.police.uk>", "alice@cambs.pnn.police.uk"),  # Outlook's unquoted form
    ("<alice@cambs.pnn.police.uk>", "alice@cambs.pnn.police.uk"),
])
def test_assign_stores_the_bare_address(written, stored):
    assert read(f"#assign {written}").commands == (Command("assign", stored, 1),)


@pytest.mark.parametrize("written, canonical", [("cambs-psd", "cambs-psd"), ("CAMBS-PSD", "cambs-psd"),
                                                ("psd", "cambs-psd"), ("Iopc", "iopc")])
def test_transfer_resolves_ids_and_aliases_to_the_canonical_id(written, canonical):
    assert read(f"#transfer {written}").commands == (Command("transfer", canonical, 1),)


def test_the_command_word_is_case_insensitive():
    assert names(read("#CLOSE")) == ["close"]
    assert names(read("#Contacted\n#NoTe\n#TRANSFER psd")) == ["contacted", "note", "transfer"]


def test_several_commands_in_order_with_their_line_numbers():
    result = read("#contacted\n#assign alice@example.org\n#note\nRang her at 10:00.")
    assert result.commands == (Command("contacted", "", 1), Command("assign", "alice@example.org", 2),
                               Command("note", "", 3))
    assert result.note == "Rang her at 10:00."


def test_blank_lines_between_commands_do_not_end_the_block():
    assert names(read("#contacted\n\n#close\n\nAll done.")) == ["contacted", "close"]


def test_text_after_note_on_its_line_is_part_of_the_note():
    result = read("#note Spoke to her at 14:40.\n#contacted\nShe is content.\n")
    assert names(result) == ["note", "contacted"]
    assert result.note == "Spoke to her at 14:40.\nShe is content."


def test_the_first_line_without_a_hash_ends_the_block():
    result = read("#close\nClosed as agreed.\n#reopen\n")
    assert names(result) == ["close"]
    assert result.note == "Closed as agreed.\n#reopen"


def test_a_command_given_twice_alike_counts_once():
    assert read("#contacted\n#contacted").commands == (Command("contacted", "", 1),)


# --- where a command may be --------------------------------------------------------------------------------------

def test_a_hashtag_in_the_middle_of_prose_is_not_a_command():
    assert read_commands("Dear Mrs Tate,\n\n#close\nI have closed your complaint.", BODIES) is None
    assert read_commands("Thank you. #close", BODIES) is None


def test_leading_blank_lines_and_spaces_are_ignored():
    result = read("\n\n   \n  #close  \nDone.")
    assert result.commands == (Command("close", "", 4),)
    assert result.note == "Done."


def test_crlf_line_ends():
    result = read("\r\n#contacted\r\n#note\r\nRang her.\r\nShe is content.\r\n")
    assert result.commands == (Command("contacted", "", 2), Command("note", "", 3))
    assert result.note == "Rang her.\nShe is content."


def test_a_byte_order_mark_or_non_breaking_space_from_outlook_does_not_hide_a_command():
    assert names(read("\ufeff#close")) == ["close"]
    assert names(read("\xa0#contacted\xa0\n")) == ["contacted"]


def test_commands_after_the_first_fifty_lines_are_an_error():
    error = only_error("\n" * 50 + "#close")
    assert "first 50 lines" in error


def test_a_line_longer_than_a_thousand_characters_is_not_a_command():
    assert read_commands("#note " + "x" * 1_000, BODIES) is None
    result = read("#close\n#note " + "x" * 1_000)
    assert names(result) == ["close"]
    assert result.note == "#note " + "x" * 1_000


# --- errors: nothing is half-applied --------------------------------------------------------------------------------

def test_an_unknown_command_names_its_line_and_the_likely_one():
    error = only_error("#contacted\n#closed\nAll done.")
    assert error.startswith('line 2 ("#closed"): #closed is not a command; did you mean #close?')


def test_an_unknown_command_with_no_likeness_lists_the_commands():
    error = only_error("#escalate")
    assert "#escalate is not a command" in error
    assert all(name in error for name in COMMANDS)


def test_a_hash_alone_is_an_error():
    assert "a # with no command after it" in only_error("#\nhello")


@pytest.mark.parametrize("text, words", [
    ("#transfer", "#transfer needs the id of the body"),
    ("#assign", "#assign needs the email address"),
])
def test_a_missing_argument(text, words):
    assert words in only_error(text)


@pytest.mark.parametrize("name", ["contacted", "outcome", "close", "reopen"])
def test_words_after_a_command_that_takes_none_are_an_error(name):
    error = only_error(f"#{name} now please")
    assert error.startswith(f'line 1 ("#{name} now please"): #{name} takes nothing after it')
    assert '"now please"' in error


@pytest.mark.parametrize("written", [
    "alice", "alice@", "@example.org", "alice@example", "alice@@example.org", "alice@example..org",
    "alice@example.org.", "alice@example.org bob@example.org", "alice@example.org, bob@example.org",
    "Alice alice@example.org", "<alice@example.org> extra", "A <alice@example.org> <bob@example.org>",
    "mailto:alice@example.org", '"a b"@example.org', "alice@exa mple.org", "alice@exam\x00ple.org",
])
def test_a_bad_address_is_an_error(written):
    assert "is not one email address" in only_error(f"#assign {written}")


def test_an_unknown_body_lists_the_valid_ids():
    error = only_error("#transfer cambs-police")
    assert error == ('line 1 ("#transfer cambs-police"): there is no body "cambs-police"; the id must be one of '
                     "cambs-opcc, cambs-panel, cambs-psd, iopc, psd")


def test_transfer_takes_one_id():
    assert "#transfer takes one body id" in only_error("#transfer cambs-psd please")


def test_transfer_with_no_bodies_known_says_so():
    result = read_commands("#transfer psd", {})
    assert result is not None and result.commands == ()
    assert "no bodies are known" in result.errors[0]


def test_one_wrong_line_stops_every_command_and_each_error_is_reported():
    result = read("#contacted\n#assign nobody\n#close\n#closed\nNotes here.")
    assert result.commands == ()
    assert [error.split(":")[0] for error in result.errors] == ['line 2 ("#assign nobody")', 'line 4 ("#closed")']
    assert result.note == "Notes here."


@pytest.mark.parametrize("text, words", [
    ("#close\n#reopen", "#close (line 1) and #reopen (line 2) contradict each other"),
    ("#assign a@example.org\n#assign b@example.org", "#assign is given more than once"),
    ("#transfer psd\n#transfer iopc", "#transfer is given more than once"),
])
def test_commands_that_contradict_each_other_are_an_error(text, words):
    assert words in only_error(text)


def test_an_alias_and_its_canonical_id_are_one_transfer():
    assert read("#transfer psd\n#transfer cambs-psd").commands == (Command("transfer", "cambs-psd", 1),)


def test_a_long_unknown_word_is_shortened_in_the_error():
    error = only_error("#" + "z" * 500)
    assert len(error) < 400


# --- first contact, the list of commands --------------------------------------------------------------------------

@pytest.mark.parametrize("name, meets", [("contacted", True), ("close", True), ("transfer", True), ("note", False),
                                         ("assign", False), ("outcome", False), ("reopen", False)])
def test_which_commands_meet_first_contact(name, meets):
    assert meets_first_contact([Command(name)]) is meets


def test_no_commands_do_not_meet_first_contact():
    assert meets_first_contact(()) is False


def test_usage_lists_every_command_with_its_argument_and_description():
    text = usage()
    assert "#assign ADDRESS" in text and "#transfer BODY-ID" in text
    for name, description in COMMANDS.items():
        assert name in text and description in text
    assert list(COMMANDS) == ["#note", "#assign", "#contacted", "#outcome", "#close", "#reopen", "#transfer"]


# --- hostile text -----------------------------------------------------------------------------------------------

_LINES = st.one_of(st.sampled_from(["#note", "#close", "#CLOSE now", "#assign a@b.co", "#assign <", "#transfer psd",
                                    "#transfer", "#", "", "  ", "\r", "\ufeff#reopen", "prose"]),
                   st.text(max_size=40))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(_LINES, max_size=60).map("\n".join)))
def test_read_commands_never_raises_and_never_half_applies(text):
    result = read_commands(text, BODIES)
    if result is not None:
        assert not (result.commands and result.errors)
        assert all(isinstance(error, str) and error for error in result.errors)
        assert all(command.name in {name[1:] for name in COMMANDS} for command in result.commands)


@pytest.mark.parametrize("text", [
    "#close " + "x" * 1_000_000,                # one line of a megabyte
    "#close\n" + "x" * 1_000_000,               # a megabyte of note
    "#" * 1_000_000,
    "#note\n" * 200_000,                        # more command lines than are read
    "\n" * 1_000_000 + "#close",
    "#assign " + "<" * 990 + ">",
], ids=["long-line", "long-note", "hashes", "many-commands", "blank-lines", "angles"])
def test_a_megabyte_of_text_is_read_quickly(text):
    start = time.process_time()
    read_commands(text, BODIES)
    assert time.process_time() - start < 0.5
