"""What a person wrote in a reply: the text above the quoted original, without a mobile footer.

A staff member's reply is relayed to the complainant, and what it quotes is
the staff notification (internal), so the text is cut at the first line a
mail client writes above what it quotes, scanning top-down:

- a run of lines quoted with ">" (and the attribution line just above it);
- an attribution, "On <date>, <name> wrote:" in English, Welsh and the
  languages of common clients, also when Gmail wrapped it over two or three
  lines; it must carry a time, a year or an address (clients always write
  one), so that "On Monday I wrote:" in prose is kept;
- Outlook's "-----Original Message-----" and its localised forms;
- Outlook's header block: From, and below it Sent or Date and To or
  Subject, on consecutive lines (Welsh "Oddi wrth/Anfonwyd/At/Pwnc" and
  other languages too); a "From:" line in prose is kept;
- a forward marker ("---------- Forwarded message ---------", "Begin
  forwarded message:"). A forward is cut as a quote is: what lies below it
  is someone else's mail (most often the notification itself, forwarded),
  not words the staff member wrote, and its header block would be cut one
  line lower anyway, leaving a bare marker line to relay.

No line is cut on its position: the first line is kept by the evidence the
markers need, and a reply that is nothing but a quote gives "". A signature
("-- ") is kept. A reply written between the quoted lines (interleaved) is
cut at its first quoted line: leaking the notification would be worse.

After the cut, trailing blank and rule lines ("_____") go, then mobile
footers at the end ("Sent from my iPhone", "Get Outlook for Android").
Every pattern runs in linear time (RE2), on lines of at most
`MAX_LINE_CHARS`; only the first `MAX_LINES` lines and `MAX_CHARS`
characters are searched for a marker, and a text with none there is kept
whole, as any text without one is.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailbot import patterns

MAX_LINES = 5_000
MAX_CHARS = 1_000_000
MAX_LINE_CHARS = 1_000      # of one line, matched: an attribution or a header line is far shorter
_WRAPPED_LINES = 3          # Gmail wraps a long attribution ("... <\nx@y> wrote:") over two, rarely three lines
_SHOWN_CHARS = 200          # of the marker line, kept in the Cut for the event log
_INVISIBLE = " \t\r\xa0\u200b\u200c\u200d\u2060\ufeff"

# A weekday as Gmail abbreviates it where the attribution has no leading word ("wt., 15 gru 2026 ...").
_WEEKDAY = r"\w{2,5}\.?,?\s+\d"
# Each: how the attribution starts, and how it ends (the verb, and in German, Dutch, Welsh and the
# Scandinavian languages the name after it). Gmail, Apple Mail, Thunderbird, Outlook for Mac, Yahoo.
_ATTRIBUTION = patterns.compile("^(?:" + "|".join([
    r"On\s.*\bwrote\s*:",                                   # On 15 Dec 2026, at 11:20, Name <x@y> wrote:
    r"Ar\s.*\bysgrifennodd\b.*:",                           # Ar Maw, 15 Rhag 2026 am 09:45, Name <x@y> ysgrifennodd:
    r"Le\s.*\ba\s+écrit\s*:",                               # Le mar. 15 déc. 2026 à 09:45, Name <x@y> a écrit :
    r"Am\s.*\bschrieb\b.*:",                                # Am 15.12.2026 um 11:20 schrieb Name:
    r"El\s.*\bescribió\s*:",                                # El mar, 15 dic 2026 a las 9:45, Name (<x@y>) escribió:
    r"Op\s.*\bschreef\b.*:",                                # Op 15-12-2026 om 11:20 schreef Name:
    r"Il\s.*\bha\s+scritto\s*:",                            # Il giorno mar 15 dic 2026 alle ore 09:45 Name ha scritto:
    r"Em\s.*\bescreveu\s*:",                                # Em ter., 15 de dez. de 2026 às 09:45, Name escreveu:
    rf"(?:W\s+dniu\s|{_WEEKDAY}).*\b(?:napisał\(a\)|napisała|napisał|pisze)\s*:",   # Polish
    rf"(?:Den\s|På\s|{_WEEKDAY}).*\bskrev\b.*:",            # Danish, Norwegian, Swedish
]) + r")$", ignore_case=True)
# What every client's attribution carries: a time, a year or an address.
_EVIDENCE = patterns.compile(r"\d{1,2}[:.h]\d{2}|\b(?:19|20)\d{2}\b|@")
# A verb of writing: with a colon at its end, the line above a ">" run introduces it even with no date.
_WRITER = patterns.compile(r"\bwrote|ysgrifennodd|écrit|schrieb|escribió|schreef|scritto|escreveu|napisał|pisze|skrev",
                           ignore_case=True)
_ORIGINAL_MESSAGE = patterns.compile(
    r"^-{2,}\s*(?:original message|ursprüngliche nachricht|message d['’]origine|mensaje original|"
    r"messaggio originale|oorspronkelijk bericht|mensagem original|wiadomość oryginalna|neges wreiddiol|"
    r"originalmeddelande|oprindelig meddelelse|opprinnelig melding)\s*-{2,}$", ignore_case=True)
_FORWARD = patterns.compile(
    r"^(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|"
    r"doorgestuurd bericht|messaggio inoltrato|mensagem encaminhada|neges wedi ei hanfon ymlaen)\s*-{2,}"
    r"|begin forwarded message\s*:)$", ignore_case=True)
_HEADER_LABEL = patterns.compile(r"^\*?(\w+(?:[ '\-]\w+)?)\*?\s*:")   # one word, or two ("Oddi wrth", "Reply-To")
# Outlook's header labels by role, as Outlook writes them in English, Welsh and the other languages of Europe.
_ROLES = {
    "from": {"from", "oddi wrth", "von", "de", "da", "van", "od", "från", "fra"},
    "sent": {"sent", "date", "anfonwyd", "dyddiad", "gesendet", "datum", "envoyé", "envoyé le", "enviado",
             "enviado el", "fecha", "verzonden", "inviato", "data", "wysłano", "skickat", "sendt"},
    "to": {"to", "at", "an", "à", "a", "para", "aan", "do", "till", "til"},
    "subject": {"subject", "pwnc", "betreff", "objet", "asunto", "onderwerp", "oggetto", "assunto", "temat",
                "ämne", "emne"},
    "other": {"cc", "bcc", "reply-to", "importance", "attachments", "copie à", "kopie", "cc'r"},
}
_ROLE_OF = {label: role for role, labels in _ROLES.items() for label in labels}
_RULE = patterns.compile(r"^[-_=]{3,}$")
# A mobile footer: the app's words, a device or app name with no sentence in it, perhaps a link (Outlook's).
_FOOTER = patterns.compile(
    r"^(?:sent from my|sent from (?:outlook|mail|yahoo|aol|gmail|proton|samsung|huawei|bluemail|spark)|"
    r"get outlook for|sent with proton|sent using (?:owa|outlook)|von meinem|envoyé de mon|enviado desde mi|"
    r"verzonden (?:vanaf|met) mijn|inviato da|enviado do meu|anfonwyd o fy)\b[^,;:!?.<]{0,60}\.?(?:\s*<[^>\s]*>)?$",
    ignore_case=True)
_MAX_FOOTER_CHARS = 120
_MAX_FOOTERS = 3           # a footer, perhaps a second app's under it: more is text, not footers


@dataclass(frozen=True)
class Cut:
    """The new text of a reply, and what was cut from it, for the event log."""

    new: str
    marker: str   # "" (nothing quoted) | "quote" | "attribution" | "original-message" | "header-block" | "forward"
    line: str = ""                 # the marker's line as written (its first _SHOWN_CHARS characters); "" when none
    footers: tuple[str, ...] = ()  # the mobile footers dropped from its end, top-down


def new_text(text: str) -> str:
    """The text a person wrote above the quoted original, without mobile footers; the whole text when nothing is quoted."""
    return cut_reply(text).new


def cut_reply(text: str) -> Cut:
    """The new text of `text` (see `new_text`), with the marker that cut it."""
    lines = text.split("\n")
    found = _find_marker(lines)
    marker, line = "", ""
    if found is not None:
        index, marker = found
        line = _clean(lines[index])[:_SHOWN_CHARS]
        lines = lines[:index]
        while lines and (not _clean(lines[-1]) or _RULE.match(_clean(lines[-1])[:MAX_LINE_CHARS])):
            lines.pop()
    footers: list[str] = []   # bottom-up
    while lines:
        last = _clean(lines[-1])
        if not last:
            lines.pop()
        elif len(footers) < _MAX_FOOTERS and len(last) <= _MAX_FOOTER_CHARS and _FOOTER.match(last):
            footers.append(last)
            lines.pop()
        else:
            break
    start = next((index for index, kept in enumerate(lines) if _clean(kept)), len(lines))
    return Cut(new="\n".join(lines[start:]), marker=marker, line=line, footers=tuple(reversed(footers)))


def _find_marker(lines: list[str]) -> tuple[int, str] | None:
    """(index of the first line to cut, marker) for the first marker in the searched lines; None when none."""
    searched = []
    chars = 0
    for raw in lines[:MAX_LINES]:
        if chars >= MAX_CHARS:
            break
        chars += len(raw) + 1
        searched.append(_clean(raw)[:MAX_LINE_CHARS])
    for index, line in enumerate(searched):
        if not line:
            continue
        if line.startswith(">"):
            return _introduction(searched, index), "quote"
        if _ORIGINAL_MESSAGE.match(line):
            return index, "original-message"
        if _FORWARD.match(line):
            return index, "forward"
        if _is_header_block(searched, index):
            return index, "header-block"
        if _is_attribution(searched, index):
            return index, "attribution"
    return None


def _introduction(lines: list[str], quote: int) -> int:
    """Where a ">" run starting at `quote` is cut: at the line introducing it, when the line above does."""
    above = quote - 1
    while above >= 0 and not lines[above]:
        above -= 1
    if above < 0 or quote - above > 2:   # more than one blank line between: not its attribution
        return quote
    line = lines[above]
    if line.endswith((":", "：")) and (_EVIDENCE.search(line) or _WRITER.search(line)):
        return above
    return quote


def _is_attribution(lines: list[str], index: int) -> bool:
    """Whether an attribution starts at `index`: on that line alone, or wrapped onto the next one or two."""
    if _attribution(lines[index]):
        return True
    joined = lines[index]
    for following in range(index + 1, min(index + _WRAPPED_LINES, len(lines))):
        line = lines[following]
        if not line or joined.endswith((".", "!", "?")) or _attribution(line):
            return False   # a wrap has no blank line, and prose above a whole attribution is not part of it
        joined = f"{joined} {line}"
        if line.endswith((":", "：")) and _attribution(joined):
            return True
    return False


def _attribution(line: str) -> bool:
    return line.endswith((":", "：")) and bool(_ATTRIBUTION.match(line)) and bool(_EVIDENCE.search(line))


def _is_header_block(lines: list[str], index: int) -> bool:
    """Whether Outlook's header block starts at `index`: From, Sent or Date, To or Subject, on consecutive lines."""
    if _role(lines[index]) != "from":
        return False
    roles: list[str] = []
    for line in lines[index:index + 12]:
        role = _role(line)
        if role is not None and (role == "other" or role not in roles):   # a second From is another block
            roles.append(role)
        elif role is None and roles[-1] in ("to", "other") and line and ("@" in line or ";" in line):
            continue   # a long address list wrapped onto the next line
        else:
            break
    return "sent" in roles and bool({"to", "subject"} & set(roles))


def _role(line: str) -> str | None:
    label = _HEADER_LABEL.match(line)
    return _ROLE_OF.get(" ".join(label.group(1).lower().split())) if label else None


def _clean(line: str) -> str:
    return line.strip(_INVISIBLE).strip()
