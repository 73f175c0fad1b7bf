"""The sync summary: counts a bookkeeper reads at the end, and the same as one JSON object."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Counts:
    """How many contacts each kind of action touched. One vocabulary for the plan (a dry run counts what it would
    do), settling, the Sync Log and the summary."""

    imported: int = 0
    sent: int = 0
    received: int = 0
    added: int = 0
    made_inactive: int = 0
    removed: int = 0
    restored: int = 0
    merged: int = 0
    conflicts_open: int = 0
    decisions_open: int = 0
    failed: int = 0
    errors: int = 0
    undone: int = 0  # undo --quickbooks: contacts put back in QuickBooks
    left_alone: int = 0  # undo --quickbooks: contacts changed in QuickBooks since, not put back

    def take(self, counts: Counts) -> None:
        """Set every count from ``counts``."""
        for name in COUNTS:
            setattr(self, name, getattr(counts, name))


COUNTS = tuple(f.name for f in fields(Counts))


@dataclass
class Summary(Counts):
    """What one sync (or dry run, or undo) did."""

    action: str = "sync"  # sync | dry run | undo | undo dry run | import
    when: str = ""
    company: str = ""
    outcome: str = "ok"  # ok | nothing to do | needs attention | failed
    remote_calls: int = 0
    messages: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)  # dry run: one line per contact

    COUNTS = COUNTS

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        return {k: out[k] for k in ("action", "when", "company", "outcome", *COUNTS, "remote_calls", "messages",
                                    "plan")}

    def lines(self) -> list[str]:
        """The summary as short lines for a terminal or a message box."""
        labels = {"imported": "imported from QuickBooks", "sent": "changes sent to QuickBooks",
                  "received": "changes received from QuickBooks", "added": "added to QuickBooks",
                  "made_inactive": "made inactive in QuickBooks", "removed": "rows removed",
                  "restored": "rows brought back", "merged": "duplicates merged in QuickBooks",
                  "conflicts_open": "conflicts to review",
                  "decisions_open": "other decisions to review", "failed": "failed (see Sync Status)",
                  "errors": "rows to fix (see Sync Status)", "undone": "contacts put back in QuickBooks",
                  "left_alone": "contacts left alone in QuickBooks (changed there since)"}
        if self.action == "undo dry run":
            labels.update(undone="contacts to put back in QuickBooks",
                          left_alone="contacts to leave alone in QuickBooks (changed there since)")
        elif self.action == "undo":
            labels["failed"] = "refused by QuickBooks (named below)"
        title = {"sync": "Sync", "dry run": "Dry run (nothing changed)", "undo": "Undo",
                 "undo dry run": "Undo dry run (nothing changed)", "import": "Import"}[self.action]
        out = [f"{title} with {self.company}: {self.outcome}" if self.company else f"{title}: {self.outcome}"]
        out += [f"  {getattr(self, k):>6}  {labels[k]}" for k in self.COUNTS if getattr(self, k)]
        out += [f"  {m}" for m in self.messages]
        return out
