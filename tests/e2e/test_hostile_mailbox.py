"""A mailbox of hostile and broken mail with good complaints between them, through the real servers.

GIVEN one Dovecot mailbox per watched address holding, in delivery order,
good complaints interleaved with a truncated message, a 300-deep nesting,
a 26 MB message, a 5,000-part message, mislabelled charsets, header
injection, a forged forward that tries to carry a scam to a third party,
a NUL in a Message-ID, a name built to make a regex backtrack, 200,000
encoded-words in a Subject, a reused Message-ID, a non-ASCII address, and
bytes that are no mail at all
WHEN `mailbot run --once` runs as a real process, twice
THEN every good complaint is acknowledged exactly once, the pass exits 0,
nothing is sent to an address that did not write to us (but staff, the
bodies of the directory, and the person a forward names, who gets a plain
letter), no sender's words reach a third party, the second pass sends
nothing, and the pass's peak RSS stays under 150 MB.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import pytest

from tests.installation import CORPUS, MAILBOT

pytestmark = pytest.mark.dovecot

AT = "2026-11-16T10:00:00+00:00"
NOW = "2026-11-16T10:05:00+00:00"
LATER = "2026-11-16T10:35:00+00:00"
PEAK_RSS_MB = 150

GOOD = {  # corpus file -> (mailbox, the complainant its acknowledgement goes to)
    "p01-panel-pcc-public-meeting.eml": ("democratic-services", "m.holloway@example.org"),
    "p02-panel-deputy-social-media.eml": ("democratic-services", "kwame.mensah@example.net"),
    "p07-pcc-chief-constable-radio.eml": ("cambs-pcc", "eleanor.pritchard@example.org"),
    "p13-pcc-solicitor-signed-authority.eml": ("cambs-pcc", "h.beck@beck-moss.example.com"),
}
STAFF = {"officer.a@peterborough.gov.uk", "ceo.office@cambs.pnn.police.uk"}
VICTIM = "victim@example.net"        # an address that never wrote to us
ATTACKER = "prize.desk@evil.example"


def _mail(headers: dict[str, str], body: bytes | str, *, content_type: str = "text/plain; charset=utf-8") -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head += f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n"
    body = body.encode("utf-8") if isinstance(body, str) else body
    return head.encode("utf-8") + b"\r\n" + body


def _complaint_text(name: str) -> str:
    return ("Dear Sir or Madam,\r\n\r\nI wish to complain about the conduct of the Police and Crime "
            "Commissioner at the public meeting in Whittlesey on 10 November 2026, where he refused to let "
            "residents ask questions and spoke rudely to an elderly man in the front row. Several people saw "
            "it happen and I would like an apology.\r\n\r\nYours faithfully,\r\n" + name + "\r\n")


def _headers(sender: str, number: int, **extra: str) -> dict[str, str]:
    return {"From": sender, "To": "democratic.services@peterborough.gov.uk",
            "Date": "Mon, 16 Nov 2026 09:50:00 +0000", "Message-ID": f"<hostile-{number}@example.org>",
            "Subject": "Complaint", **extra}


def hostile_mail() -> list[tuple[str, bytes]]:
    """(mailbox, bytes) of every hostile message, each a different way to break a stage."""
    p01 = (CORPUS / "mail" / "p01-panel-pcc-public-meeting.eml").read_bytes()
    mail = []
    # Truncated in the middle of a multipart body: no closing boundary.
    p02 = (CORPUS / "mail" / "p02-panel-deputy-social-media.eml").read_bytes()
    cut = p02.replace(b"Message-ID: <CAJx7", b"Message-ID: <cut-CAJx7").replace(b"kwame.mensah@", b"cut.short@")
    mail.append(("democratic-services", cut[:len(cut) // 2]))
    # Nested 300 deep.
    depth = 300
    nested = "".join(f"--b{level}\r\nContent-Type: multipart/mixed; boundary=\"b{level + 1}\"\r\n\r\n"
                     for level in range(depth))
    nested += "--b300\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" + "".join(f"--b{level}--\r\n" for level in
                                                                              reversed(range(depth + 1)))
    mail.append(("democratic-services", _mail(_headers("Deep Nest <deep@example.org>", 1), nested,
                                              content_type='multipart/mixed; boundary="b0"')))
    # 26 MB: over the default limit of 25 MB, recorded and quarantined as too large.
    payload = base64.encodebytes(b"\x89PNG" + bytes(range(256)) * (19 * 1024 * 4)).decode()
    big = ("--big\r\nContent-Type: text/plain\r\n\r\n" + _complaint_text("Large Attachment") + "\r\n--big\r\n"
           "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment; filename=\"photo.png\"\r\n\r\n" + payload + "\r\n--big--\r\n")
    mail.append(("cambs-pcc", _mail(_headers("Large Attachment <large@example.org>", 2), big,
                                    content_type='multipart/mixed; boundary="big"')))
    # 5,000 parts.
    parts = "".join(f"--many\r\nContent-Type: text/plain\r\n\r\npart {number}\r\n" for number in range(5000))
    mail.append(("cambs-pcc", _mail(_headers("Many Parts <many@example.org>", 3), parts + "--many--\r\n",
                                    content_type='multipart/mixed; boundary="many"')))
    # Header injection through an encoded word, and a display name with CR LF.
    injected = "=?utf-8?b?" + base64.b64encode(f"Complaint\r\nBcc: {VICTIM}".encode()).decode() + "?="
    mail.append(("democratic-services", _mail(
        _headers(f'"=?utf-8?q?Evil=0D=0ABcc:_{VICTIM}?=" <injector@example.org>', 4, Subject=injected),
        _complaint_text("Ivan Injector"))))
    # A forged forward from a stranger, to make the office write to a third party with a scam link.
    forged = (f"Claim your prize at http://scam.example/win now!\r\n\r\n---------- Forwarded message ---------\r\n"
              f"From: Vera Victim <{VICTIM}>\r\nDate: Sun, 15 Nov 2026 at 18:00\r\nSubject: Complaint\r\n"
              f"To: <democratic.services@peterborough.gov.uk>\r\n\r\n" + _complaint_text("Vera Victim"))
    mail.append(("democratic-services", _mail(
        _headers(f"Prize Desk http://scam.example <{ATTACKER}>", 5, Subject="Fwd: WIN at http://scam.example"),
        forged)))
    # A NUL in the Message-ID (Dovecot hands it back as 0x80) and in an encoded Subject.
    mail.append(("cambs-pcc", _mail({**_headers("Nul Byte <nul@example.org>", 6), "Message-ID": "<nul\x00id@example.org>",
                                     "Subject": "=?utf-8?q?nul=00here?="}, _complaint_text("Nul Byte"))))
    # A name made to make a backtracking pattern run for minutes.
    mail.append(("cambs-pcc", _mail(_headers("A" * 60 + " bb <backtrack@example.org>", 7),
                                    _complaint_text("A" * 60 + " bb"))))
    # 200,000 encoded-words in a Subject.
    mail.append(("cambs-pcc", _mail(_headers("Many Words <words@example.org>", 8,
                                             Subject=" ".join(["=?utf-8?q?a?="] * 200_000)),
                                    _complaint_text("Many Words"))))
    # p01's Message-ID again with other words: evidence kept, not taken for p01 (delivered after p01).
    mail.append(("democratic-services", p01.replace(b"Falcon Room", b"Kestrel Room")))
    # A non-ASCII address (no SMTPUTF8 at the test server): only that recipient can be refused.
    mail.append(("democratic-services", _mail(_headers("Jos\u00e9 Mart\u00ednez <jos\u00e9\u00b7m@example.org>", 9),
                                              _complaint_text("Jos\u00e9 Mart\u00ednez"))))
    # Mislabelled charset: windows-1252 bytes labelled iso-8859-1, a good complaint all the same.
    mislabelled = _complaint_text("Zoe Whitfield").replace("rudely", "\u201crudely\u201d").encode("cp1252")
    mail.append(("democratic-services", _mail(_headers("Zoe Whitfield <zoe.whitfield@example.org>", 10), mislabelled,
                                              content_type="text/plain; charset=iso-8859-1")))
    # Bytes that are no mail at all, and headers with no body.
    mail.append(("cambs-pcc", b"\x00\x01\x02 not a message \xff\xfe" * 50))
    mail.append(("cambs-pcc", b"From: Header Only <header.only@example.org>\r\nSubject: nothing follows\r\n"))
    return mail


def _run_measured(installation, now: str) -> tuple[int, int, str]:
    """`mailbot run --once` as a real process under a wrapper; (exit status, peak RSS in MB, stderr)."""
    wrapper = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True); "
               "sys.stderr.buffer.write(done.stderr); "
               "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")
    done = subprocess.run([sys.executable, "-c", wrapper, str(MAILBOT), "run", "--once", "--now", now,
                           "--config", str(installation.config)], capture_output=True, text=True, timeout=300,
                          cwd=installation.root)
    status, peak = (int(value) for value in done.stdout.split())
    return status, peak, done.stderr


def test_a_hostile_mailbox_never_stalls_and_every_good_complaint_is_answered_once(installation):
    for number, (name, (mailbox, _)) in enumerate(GOOD.items()):
        installation.deliver(mailbox, name, at=AT)
        for hostile_box, raw in hostile_mail()[number * 4:(number + 1) * 4]:   # good mail between the bad
            installation.deliver(hostile_box, raw, at=AT)

    status, peak_mb, stderr = _run_measured(installation, NOW)

    smtp = installation.smtp
    assert status == 0, stderr[-3000:]
    acknowledged = [address for message in smtp.by_kind("acknowledgement") for address in message.rcpt_tos]
    for _, complainant in GOOD.values():
        assert acknowledged.count(complainant) == 1, smtp.describe()
    assert "zoe.whitfield@example.org" in acknowledged, smtp.describe()   # a mislabelled charset read
    assert "nul@example.org" in acknowledged, smtp.describe()             # an unwritable Message-ID answered
    assert len(smtp.by_kind("alert")) == 3, smtp.describe()   # too large, no mail at all, Message-ID reused
    writers = {complainant for _, complainant in GOOD.values()} | {
        "cut.short@example.net", "deep@example.org", "large@example.org", "many@example.org", "injector@example.org", ATTACKER,
        "nul@example.org", "backtrack@example.org", "words@example.org", "zoe.whitfield@example.org",
        "jos\u00e9\u00b7m@example.org", "header.only@example.org"}
    bodies = {"psd@cambs.pnn.police.uk", "enquiries@policeconduct.gov.uk", "legal.services@cambs-police.example"}
    for message in smtp.messages:
        outsiders = set(message.rcpt_tos) - writers - STAFF - bodies - {VICTIM}
        assert not outsiders, f"sent to {outsiders}:\n{smtp.describe()}"
        headers = {name.lower(): str(value) for name, value in message.message.items()}
        assert "bcc" not in headers, message.raw[:2000]
        if VICTIM in message.rcpt_tos:
            assert message.rcpt_tos == (VICTIM,) and message.kind == "acknowledgement", smtp.describe()
        else:
            assert VICTIM not in headers.get("to", "") + headers.get("cc", ""), message.raw[:2000]
        if not set(message.rcpt_tos) <= STAFF | {ATTACKER}:
            text = message.raw.decode("utf-8", "replace")
            assert "scam.example" not in text and "Prize Desk" not in text, message.raw[:3000]
    assert peak_mb < PEAK_RSS_MB, f"peak RSS {peak_mb} MB"
    print(f"hostile mailbox: peak RSS of the pass {peak_mb} MB, {len(smtp.messages)} messages sent")

    before = len(smtp.messages)
    status, _, stderr = _run_measured(installation, LATER)

    assert status == 0, stderr[-3000:]
    assert len(smtp.messages) == before, smtp.describe()
    ids = [message.message_id for message in smtp.messages]
    assert len(ids) == len(set(ids)), "a message was sent twice"
    quarantined = installation.cli("quarantine", "list").stdout
    assert len(quarantined.splitlines()) >= 3, quarantined   # too large, no headers, Message-ID reused


def test_the_hostile_mailbox_builder_makes_what_it_says():
    mail = hostile_mail()
    sizes = [len(raw) for _, raw in mail]
    assert max(sizes) > 25 * 1024 * 1024
    assert any(raw.count(b"--many\r\n") == 5000 for _, raw in mail)
    assert any(re.search(rb"Message-ID: <nul\x00id", raw) for _, raw in mail)
    assert all(box in ("democratic-services", "cambs-pcc") for box, _ in mail)
    assert len(mail) == 14
