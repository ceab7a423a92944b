"""Dated plan facts against today: the plan was for 2023, and a person reading it in 2026
must be told plainly what is past."""

from datetime import date

from messages.loader import Safe, Texts
from messages.plan import DatedFact


def status(t: Texts, fact: DatedFact, day: date) -> Safe:
    """One line: the fact and where ``day`` stands against it."""
    if fact.kind == "change":
        key = "plan.change_ahead" if day < fact.start else "plan.change_done"
        return t(key, date=fact.start.strftime("%d/%m/%Y"), fact=fact.text)
    if fact.kind == "deadline":  # due before ``end``
        if day >= fact.end:
            return t("plan.deadline_past", fact=fact.text)
        return t("plan.deadline_open", fact=fact.text, days=(fact.end - day).days)
    if day > fact.end:
        return t("plan.period_past", fact=fact.text)
    key = "plan.period_ahead" if day < fact.start else "plan.period_running"
    return t(key, fact=fact.text)
