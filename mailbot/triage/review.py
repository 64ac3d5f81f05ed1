"""Review requests: the date of the outcome letter as written, and whether the request came in time.

The window is 28 days "starting with the day after" the outcome was given
(Police (Complaints and Misconduct) Regulations 2020, reg 29): a letter dated
1 November can be answered until the end of 29 November.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from mailbot import patterns
from mailbot.triage.policy import Policy

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_WRITTEN = patterns.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS}|{'|'.join(m[:3] for m in _MONTHS.split('|'))})\.?,?\s+(\d{{4}})\b",
    ignore_case=True)
_NUMERIC = patterns.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b")
_SENTENCE = patterns.compile(r"[^.!?]*(?:[.!?]|$)", dot_all=True)


def _dates_in(text: str) -> list[date]:
    found = []
    for match in _WRITTEN.finditer(text):
        try:
            found.append(datetime.strptime(f"{match[1]} {match[2][:3]} {match[3]}", "%d %b %Y").date())
        except ValueError:
            continue
    for match in _NUMERIC.finditer(text):
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        try:
            found.append(date(year, int(match[2]), int(match[1])))   # day first, as written in England
        except ValueError:
            continue
    return found


def is_review_request(text: str, policy: Policy) -> str:
    """The words that ask for a review of an outcome, or ""."""
    for pattern in policy.review_request:
        found = pattern.search(text)
        if found:
            return " ".join(found.group(0).split())
    return ""


def outcome_letter_date(text: str, policy: Policy, *, received: date) -> date | None:
    """The date of the outcome letter: a date in a sentence about the letter, not after receipt."""
    for sentence in _SENTENCE.findall(text):
        if any(pattern.search(sentence) for pattern in policy.review_letter):
            dates = [day for day in _dates_in(sentence) if day <= received]
            if dates:
                return max(dates)
    return None


def review_record(text: str, policy: Policy, *, received: date) -> dict:
    """The case's `review` field: the letter's date (ISO) and whether the request is in time."""
    letter = outcome_letter_date(text, policy, received=received)
    if letter is None:
        return {"outcome_date": None, "in_time": None}
    last_day = letter + timedelta(days=policy.review_window_days)
    return {"outcome_date": letter.isoformat(), "in_time": received <= last_day}
