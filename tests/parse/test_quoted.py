"""A staff reply cut to what staff wrote: the quoted notification gone, mobile footers dropped.

Each client's reply is built here as that client writes it, replying to the
staff notification of case PCP-2026-00042. The HTML ones go through
`parse_message` as whole MIME messages, so the path from bytes to text is
tested too. Every test checks both ways a cut can fail: the staff text is all
there, and no phrase of the notification is.
"""

from __future__ import annotations

import html
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.parse import parse_message
from mailbot.parse.quoted import MAX_LINES, cut_reply, new_text
from tests.parse.test_properties import RELAXED
from tests.unit.test_linear_time import cpu_seconds

MAILBOX = "Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk>"
OFFICER = "Complaints Officer <complaints.officer@cambs.pnn.police.uk>"
SUBJECT = "New complaint [PCP-2026-00042]: Officer shouted at me outside Parkside station"
STAFF = (
    "Dear Ms Doe,\n\n"
    "Thank you for your email. I have spoken to the officer's supervisor and I will telephone you\n"
    "on Thursday morning to talk about what happens next.\n\n"
    "Kind regards\n"
    "Complaints Officer"
)
NOTIFICATION = """A new complaint has been opened in the Cambridgeshire OPCC mailbox (cambs-pcc@cambs.pnn.police.uk).

The complainant has been sent an acknowledgement (jane.doe@example.org).

Reference:          PCP-2026-00042
Handled by:         Cambridgeshire Office of the Police and Crime Commissioner
Complainant:        Jane Doe <jane.doe@example.org>
Received:           Tuesday 15 December 2026, 09:12 (London time)
First contact due:  by the end of Tuesday 22 December 2026 (5 working days)
Status:             open

What to do
----------
Record the complaint and make first contact within five working days.

To write to the complainant, simply reply to this email. Your reply is sent to them from
cambs-pcc@cambs.pnn.police.uk under the reference PCP-2026-00042, and it counts as first contact.

Why it was treated this way
---------------------------
  - a person wrote to the mailbox, and nothing in it points elsewhere"""
# Phrases of the notification (and of its headers) that must never reach the complainant.
LEAKS = ("A new complaint has been opened", "simply reply to this email", "Why it was treated", "PCP-2026-00042",
         "jane.doe@example.org", "cambs-pcc@", "Handled by", "Parkside station")


def quoted(text: str, prefix: str = "> ") -> str:
    return "\n".join((prefix + line).rstrip() for line in text.split("\n"))


def as_html_lines(text: str) -> str:
    return "<br>\n".join(html.escape(line) for line in text.split("\n"))


def as_paragraphs(text: str) -> str:
    """Each paragraph of `text` as a <p>, its lines split by <br>."""
    return "\n".join(f"<p>{as_html_lines(paragraph)}</p>" for paragraph in text.split("\n\n"))


def reply_mail(*, plain: str | None = None, html_body: str | None = None) -> bytes:
    """A whole reply from the officer, as a client sends it: plain, HTML only, or both as alternatives."""
    mail = EmailMessage()
    mail["From"] = OFFICER
    mail["To"] = MAILBOX
    mail["Subject"] = f"RE: {SUBJECT}"
    mail["Message-ID"] = "<reply-1@cambs.pnn.police.uk>"
    mail["In-Reply-To"] = "<notification-PCP-2026-00042@mailbot.example>"
    if plain is not None:
        mail.set_content(plain)
        if html_body is not None:
            mail.add_alternative(html_body, subtype="html")
    else:
        mail.set_content(html_body, subtype="html")
    return mail.as_bytes()


def text_of(raw: bytes) -> str:
    return parse_message(raw).text


def nonblank(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def assert_only_staff(text: str, *, exact: bool = True) -> None:
    """The staff text whole (to the blank line, when `exact`), and nothing of the notification."""
    leaked = [phrase for phrase in LEAKS if phrase in text]
    assert not leaked, f"leaked {leaked} in:\n{text}"
    if exact:
        assert text == STAFF, f"got:\n{text}"
    else:
        assert nonblank(text) == nonblank(STAFF), f"got:\n{text}"


# --- Outlook -----------------------------------------------------------------------------------------

OUTLOOK_HEADERS = (f"From: {MAILBOX}\nSent: 15 December 2026 09:12\nTo: {OFFICER}\nSubject: {SUBJECT}")


def test_outlook_desktop_plain_with_original_message_line():
    reply = f"{STAFF}\n\n-----Original Message-----\n{OUTLOOK_HEADERS}\n\n{NOTIFICATION}\n"

    cut = cut_reply(text_of(reply_mail(plain=reply)))

    assert_only_staff(cut.new)
    assert cut.marker == "original-message"
    assert cut.line == "-----Original Message-----"


def test_outlook_desktop_plain_header_block_under_a_rule():
    reply = f"{STAFF}\n\n________________________________\n{OUTLOOK_HEADERS}\n\n{NOTIFICATION}\n"

    cut = cut_reply(text_of(reply_mail(plain=reply)))

    assert_only_staff(cut.new)
    assert (cut.marker, cut.line) == ("header-block", f"From: {MAILBOX}")


def test_outlook_desktop_html():
    paragraphs = "\n".join(
        f'<p class="MsoNormal">{html.escape(line) or "<o:p>&nbsp;</o:p>"}<o:p></o:p></p>' for line in STAFF.split("\n"))
    quoted_lines = "\n".join(
        f'<p class="MsoNormal">{html.escape(line) or "&nbsp;"}<o:p></o:p></p>' for line in NOTIFICATION.split("\n"))
    body = f"""<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style><!-- p.MsoNormal {{margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}} --></style></head>
<body lang="EN-GB" link="#0563C1" vlink="#954F72"><div class="WordSection1">
{paragraphs}
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">
<p class="MsoNormal"><b><span lang="EN-US">From:</span></b><span lang="EN-US"> {html.escape(MAILBOX)} <br>
<b>Sent:</b> 15 December 2026 09:12<br><b>To:</b> {html.escape(OFFICER)}<br>
<b>Subject:</b> {html.escape(SUBJECT)}<o:p></o:p></span></p></div></div>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
{quoted_lines}
</div></body></html>"""

    cut = cut_reply(text_of(reply_mail(html_body=body)))

    assert_only_staff(cut.new, exact=False)
    assert cut.marker == "header-block"


def outlook_web_reference(sent: str) -> str:
    return f"""<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">
<b>From:</b> {html.escape(MAILBOX)}<br><b>Sent:</b> {sent}<br><b>To:</b> {html.escape(OFFICER)}<br>
<b>Subject:</b> {html.escape(SUBJECT)}</font><div>&nbsp;</div></div>
<div class="PlainText">{as_html_lines(NOTIFICATION)}</div>"""


def test_outlook_on_the_web_html():
    staff = "\n".join(f'<div class="elementToProof">{html.escape(line) or "<br>"}</div>' for line in STAFF.split("\n"))
    body = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style type="text/css" style="display:none;"> P {{margin-top:0;margin-bottom:0;}} </style></head>
<body dir="ltr"><div style="font-family: Aptos, sans-serif; font-size: 12pt;">{staff}</div>
<div id="appendonsend"></div>
{outlook_web_reference("Tuesday, December 15, 2026 9:12 AM")}
</body></html>"""

    cut = cut_reply(text_of(reply_mail(html_body=body)))

    assert_only_staff(cut.new, exact=False)
    assert cut.marker == "header-block"


def test_outlook_for_ios_html_drops_get_outlook():
    staff = "\n".join(f'<div dir="auto">{html.escape(line) or "<br>"}</div>' for line in STAFF.split("\n"))
    body = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>
{staff}<div dir="auto"><br></div>
<div class="ms-outlook-mobile-signature" dir="auto">Get <a href="https://aka.ms/o0ukef">Outlook for iOS</a></div>
<div id="mail-editor-reference-message-container">
{outlook_web_reference("Tuesday, December 15, 2026 9:12:33 AM")}
</div></body></html>"""

    cut = cut_reply(text_of(reply_mail(html_body=body)))

    assert_only_staff(cut.new, exact=False)
    assert cut.footers == ("Get Outlook for iOS",)


def test_outlook_for_android_plain():
    reply = (f"{STAFF}\n\nGet Outlook for Android<https://aka.ms/AAb9ysg>\n________________________________\n"
             f"From: {MAILBOX}\nSent: Tuesday, December 15, 2026 9:12:33 AM\nTo: {OFFICER}\nSubject: {SUBJECT}\n\n"
             f"{NOTIFICATION}")

    cut = cut_reply(text_of(reply_mail(plain=reply)))

    assert_only_staff(cut.new)
    assert cut.marker == "header-block"
    assert cut.footers == ("Get Outlook for Android<https://aka.ms/AAb9ysg>",)


def test_outlook_for_mac_from_and_date():
    reply = (f"{STAFF}\n\nFrom: {MAILBOX}\nDate: Tuesday, 15 December 2026 at 09:12\nTo: {OFFICER}\n"
             f"Subject: {SUBJECT}\n\n{NOTIFICATION}")

    assert_only_staff(new_text(reply))


def test_samsung_email_original_message_and_footer():
    reply = (f"{STAFF}\n\n\n\nSent from my Galaxy\n\n\n-------- Original message --------\nFrom: {MAILBOX}\n"
             f"Date: 15/12/2026 09:12 (GMT+00:00)\nTo: {OFFICER}\nSubject: {SUBJECT}\n\n{NOTIFICATION}")

    cut = cut_reply(reply)

    assert_only_staff(cut.new)
    assert (cut.marker, cut.footers) == ("original-message", ("Sent from my Galaxy",))


# --- Gmail -------------------------------------------------------------------------------------------

GMAIL_ATTRIBUTION = "On Tue, 15 Dec 2026 at 09:12, Cambridgeshire OPCC Complaints <\ncambs-pcc@cambs.pnn.police.uk> wrote:"


def gmail_html() -> str:
    staff = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in STAFF.split("\n"))
    return f"""<div dir="ltr">{staff}</div><br><div class="gmail_quote gmail_quote_container">
<div dir="ltr" class="gmail_attr">On Tue, 15 Dec 2026 at 09:12, Cambridgeshire OPCC Complaints &lt;<a
 href="mailto:cambs-pcc@cambs.pnn.police.uk">cambs-pcc@cambs.pnn.police.uk</a>&gt; wrote:<br></div>
<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">
{as_html_lines(NOTIFICATION)}</blockquote></div>
"""


def test_gmail_plain_with_the_attribution_wrapped_over_two_lines():
    reply = f"{STAFF}\n\n{GMAIL_ATTRIBUTION}\n\n{quoted(NOTIFICATION)}\n"

    cut = cut_reply(text_of(reply_mail(plain=reply)))

    assert_only_staff(cut.new)
    assert cut.marker == "attribution"
    assert cut.line == "On Tue, 15 Dec 2026 at 09:12, Cambridgeshire OPCC Complaints <"


def test_gmail_html_only():
    cut = cut_reply(text_of(reply_mail(html_body=gmail_html())))

    assert_only_staff(cut.new, exact=False)
    assert cut.marker == "attribution"


def test_gmail_plain_and_html_alternatives():
    plain = f"{STAFF}\n\n{GMAIL_ATTRIBUTION}\n\n{quoted(NOTIFICATION)}\n"

    assert_only_staff(new_text(text_of(reply_mail(plain=plain, html_body=gmail_html()))))


# --- Apple Mail ---------------------------------------------------------------------------------------

APPLE_ATTRIBUTION = "On 15 Dec 2026, at 09:12, Cambridgeshire OPCC Complaints &lt;cambs-pcc@cambs.pnn.police.uk&gt; wrote:"


def test_apple_mail_html_blockquote_cite():
    staff = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in STAFF.split("\n"))
    body = f"""<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>
<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">{staff}
<div><br id="lineBreakAtBeginningOfMessage"><div><br><blockquote type="cite"><div>{APPLE_ATTRIBUTION}</div>
<br class="Apple-interchange-newline"><div><div>{as_html_lines(NOTIFICATION)}</div></div></blockquote></div><br></div>
</body></html>"""

    cut = cut_reply(text_of(reply_mail(html_body=body)))

    assert_only_staff(cut.new, exact=False)
    assert cut.marker == "attribution"


def test_apple_mail_on_iphone_html_drops_sent_from_my_iphone():
    staff = "".join(f'<div dir="ltr">{html.escape(line) or "<br>"}</div>' for line in STAFF.split("\n"))
    body = f"""<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">
{staff}<div dir="ltr"><br><div dir="ltr">Sent from my iPhone</div><div dir="ltr"><br>
<blockquote type="cite">{APPLE_ATTRIBUTION}<br><br></blockquote></div>
<blockquote type="cite"><div dir="ltr">{as_html_lines(NOTIFICATION)}</div></blockquote></div></body></html>"""

    cut = cut_reply(text_of(reply_mail(html_body=body)))

    assert_only_staff(cut.new, exact=False)
    assert cut.footers == ("Sent from my iPhone",)


def test_apple_mail_on_iphone_plain():
    reply = (f"{STAFF}\n\nSent from my iPhone\n\n> {html.unescape(APPLE_ATTRIBUTION)}\n>\n"
             f"{quoted(NOTIFICATION)}\n")

    cut = cut_reply(text_of(reply_mail(plain=reply)))

    assert_only_staff(cut.new)
    assert (cut.marker, cut.footers) == ("quote", ("Sent from my iPhone",))


# --- Thunderbird --------------------------------------------------------------------------------------


def test_thunderbird_plain():
    reply = f"{STAFF}\n\nOn 15/12/2026 09:12, Cambridgeshire OPCC Complaints wrote:\n{quoted(NOTIFICATION)}\n"

    cut = cut_reply(text_of(reply_mail(plain=reply)))

    assert_only_staff(cut.new)
    assert cut.marker == "attribution"


def test_thunderbird_plain_with_the_attribution_off_keeps_only_the_new_text():
    """GIVEN a reply whose ">" quote has no attribution line above it (Thunderbird can be set so)."""
    reply = f"{STAFF}\n\n{quoted(NOTIFICATION)}\n"

    cut = cut_reply(reply)

    assert_only_staff(cut.new)
    assert cut.marker == "quote"


def test_thunderbird_html_moz_cite_prefix_with_signature():
    """The signature below "-- " is what staff wrote, and is relayed."""
    body = f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>
<body>{as_paragraphs(STAFF)}
<div class="moz-signature">-- <br>Cambridgeshire OPCC<br>01223 555 0100</div>
<div class="moz-cite-prefix">On 15/12/2026 09:12, Cambridgeshire OPCC Complaints wrote:<br></div>
<blockquote type="cite" cite="mid:notification-PCP-2026-00042@mailbot.example">
<pre class="moz-quote-pre" wrap="">{html.escape(NOTIFICATION)}</pre></blockquote><br></body></html>"""

    cut = cut_reply(text_of(reply_mail(html_body=body)))

    assert nonblank(cut.new) == [*nonblank(STAFF), "--", "Cambridgeshire OPCC", "01223 555 0100"]
    assert not [phrase for phrase in LEAKS if phrase in cut.new]
    assert cut.marker == "attribution"


# --- other languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("attribution", [
    "Ar Maw, 15 Rhag 2026 am 09:12, Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk> ysgrifennodd:",
    "Ar 15/12/2026 09:12, ysgrifennodd Cambridgeshire OPCC Complaints:",
    "Le mar. 15 déc. 2026 à 09:12, Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk> a écrit :",
    "Le 15/12/2026 à 09:12, Cambridgeshire OPCC Complaints a écrit\xa0:",
    "Am Di., 15. Dez. 2026 um 09:12 Uhr schrieb Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk>:",
    "Am 15.12.2026 um 09:12 schrieb Cambridgeshire OPCC Complaints:",
    "El mar, 15 dic 2026 a las 9:12, Cambridgeshire OPCC Complaints (<cambs-pcc@cambs.pnn.police.uk>) escribió:",
    "Op di 15 dec 2026 om 09:12 schreef Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk>:",
    "Il giorno mar 15 dic 2026 alle ore 09:12 Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk> ha scritto:",
    "wt., 15 gru 2026 o 09:12 Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk> napisał(a):",
    "W dniu 15.12.2026 o 09:12, Cambridgeshire OPCC Complaints pisze:",
    "Em ter., 15 de dez. de 2026 às 09:12, Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk> escreveu:",
    "Den tis 15 dec. 2026 kl 09:12 skrev Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk>:",
])
def test_attributions_in_other_languages(attribution):
    reply = f"{STAFF}\n\n{attribution}\n\n{NOTIFICATION}"   # no ">": as an HTML reply reads

    cut = cut_reply(reply)

    assert_only_staff(cut.new)
    assert cut.marker == "attribution"


def test_a_welsh_attribution_wrapped_by_gmail():
    reply = (f"{STAFF}\n\nAr Maw, 15 Rhag 2026 am 09:12, Cambridgeshire OPCC Complaints <\n"
             f"cambs-pcc@cambs.pnn.police.uk> ysgrifennodd:\n\n{quoted(NOTIFICATION)}")

    assert_only_staff(new_text(reply))


@pytest.mark.parametrize("separator", [
    "-----Ursprüngliche Nachricht-----", "-----Message d'origine-----", "-----Mensaje original-----",
    "-----Neges Wreiddiol-----", "-------- Original message --------",
])
def test_localised_original_message_lines(separator):
    reply = f"{STAFF}\n\n{separator}\nVon: {MAILBOX}\n\n{NOTIFICATION}"

    assert_only_staff(new_text(reply))


@pytest.mark.parametrize("headers", [
    f"Oddi wrth: {MAILBOX}\nAnfonwyd: 15 Rhagfyr 2026 09:12\nAt: {OFFICER}\nPwnc: {SUBJECT}",
    f"Von: {MAILBOX}\nGesendet: Dienstag, 15. Dezember 2026 09:12\nAn: {OFFICER}\nBetreff: {SUBJECT}",
    f"De : {MAILBOX}\nEnvoyé : mardi 15 décembre 2026 09:12\nÀ : {OFFICER}\nObjet : {SUBJECT}",
    f"*From:* {MAILBOX}\n*Sent:* 15 December 2026 09:12\n*To:* {OFFICER}\n*Cc:* a@b.example;\n c@d.example\n"
    f"*Subject:* {SUBJECT}",
])
def test_header_blocks_in_other_languages_and_forms(headers):
    reply = f"{STAFF}\n\n________________________________\n{headers}\n\n{NOTIFICATION}"

    cut = cut_reply(reply)

    assert_only_staff(cut.new)
    assert cut.marker == "header-block"


# --- forwards ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["---------- Forwarded message ---------", "Begin forwarded message:",
                                    "-------- Forwarded Message --------"])
def test_a_forward_is_cut_too(marker):
    """A forwarded mail below staff text is someone else's mail (often the notification itself): not relayed."""
    reply = (f"{STAFF}\n\n{marker}\nFrom: {MAILBOX}\nDate: Tue, 15 Dec 2026 at 09:12\nSubject: {SUBJECT}\n"
             f"To: {OFFICER}\n\n{NOTIFICATION}")

    cut = cut_reply(reply)

    assert_only_staff(cut.new)
    assert cut.marker == "forward"


# --- what is not a quote -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    STAFF,
    "From: the Commissioner's office\nWe have looked at your complaint again.\n\nKind regards\nComplaints Officer",
    f"From: the Commissioner's office\nSent: by recorded delivery on 3 December\n\n{STAFF}",
    "On Monday I wrote:\nthat the officer would call you. He will.\n\nKind regards",
    "Waiting times went from 5 > 10 days, and ->\nthat is too long.\n\nKind regards",
    "Please see my notes below:\n\nThe officer is on leave until Monday.",
    f"{STAFF}\n-- \nCambridgeshire OPCC\nSent from the Complaints Team, Alconbury",
    "Sent from my iPhone, which is why this is short. I will write properly tomorrow.",
])
def test_a_reply_with_nothing_quoted_is_kept_whole(text):
    cut = cut_reply(text)

    assert (cut.new, cut.marker, cut.footers) == (text, "", ())


def test_a_mobile_footer_inside_the_text_is_kept():
    text = f"Sent from my iPhone\nSorry, typed this in the car park.\n\n{STAFF}"

    assert new_text(text) == text


@pytest.mark.parametrize("footer", [
    "Sent from my iPhone", "Sent from my iPad", "Sent from my Samsung Galaxy smartphone.", "Sent from Outlook for iOS",
    "Sent from Outlook for Android", "Get Outlook for iOS", "Get Outlook for Android<https://aka.ms/AAb9ysg>",
    "Sent from Mail for Windows", "Sent from Yahoo Mail for iPhone", "Sent from my BlackBerry 10 smartphone.",
    "Sent from my BlackBerry®", "Von meinem iPhone gesendet", "Anfonwyd o fy iPhone",
])
def test_mobile_footers_at_the_end_are_dropped(footer):
    cut = cut_reply(f"{STAFF}\n\n{footer}\n\n")

    assert (cut.new, cut.footers) == (STAFF, (footer,))


def test_a_reply_that_is_only_the_quote_is_empty():
    assert new_text(f"{GMAIL_ATTRIBUTION}\n\n{quoted(NOTIFICATION)}") == ""
    assert new_text(quoted(NOTIFICATION)) == ""
    assert new_text(f"\n\n{OUTLOOK_HEADERS}\n\n{NOTIFICATION}") == ""
    assert new_text("Sent from my iPhone\n\n> quoted") == ""


def test_the_attribution_above_an_unknown_clients_quote_goes_with_it():
    reply = f"{STAFF}\n\n2026年12月15日(火) 9:12 Cambridgeshire OPCC Complaints <cambs-pcc@cambs.pnn.police.uk>:\n\n" \
            f"{quoted(NOTIFICATION)}"

    assert_only_staff(new_text(reply))


# --- properties and bounds ---------------------------------------------------------------------------

MARKER_LINES = [
    ">", "> quoted", "On Tue, 15 Dec 2026 at 09:12, X <", "x@y> wrote:", "On 15/12/2026 09:12, X wrote:", "From: x",
    "Sent: y", "To: z", "Subject: s", "-----Original Message-----", "________________________________", "",
    "Sent from my iPhone", "-- ", "Kind regards", "Begin forwarded message:", " \xa0\u200b", "\r",
]


@RELAXED
@given(st.lists(st.one_of(st.sampled_from(MARKER_LINES), st.text()), max_size=30).map("\n".join))
def test_new_text_never_raises_and_keeps_only_lines_of_the_input_in_order(text):
    """The new text is a run of whole lines of the input, and holds no marker of its own."""
    cut = cut_reply(text)

    assert cut.new in text
    assert set(cut.new.split("\n")) <= set(text.split("\n")) or cut.new == ""
    assert cut_reply(cut.new).marker == ""


@pytest.mark.parametrize("label, text", [
    ("200,000 lines of On On On", "On On On\n" * 200_000),
    ("1 MB of >", ">" * 1_000_000),
    ("1 MB of > lines", ">\n" * 500_000),
    ("On ... wrote: over 1 MB", "On " * 300_000 + "12:00 wrote:"),
    ("lines ending in colons", "On 12:00 x\ny:\n" * 100_000),
    ("From: lines", "From: x\nSent: y\n" * 100_000),
    ("blank lines", "\n" * 1_000_000),
    ("long lines near an attribution", ("On 15/12/2026 09:12, " + "x " * 2_000 + "\n") * 500 + "wrote:"),
    ("footer lines", "Sent from my iPhone\n" * 200_000),
])
def test_hostile_text_is_cut_in_linear_time(label, text):
    seconds, _ = cpu_seconds(lambda: cut_reply(text))

    assert seconds < 1, f"{label}: {seconds:.2f} s of CPU"


def test_a_marker_past_the_searched_lines_is_not_looked_for():
    """The bound on work, stated: a reply longer than MAX_LINES lines is kept whole (callers cap what they relay)."""
    text = "line\n" * MAX_LINES + quoted(NOTIFICATION)

    assert new_text(text) == text
