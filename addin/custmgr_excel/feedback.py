"""What the bookkeeper sees while and after a button runs: the status bar and message boxes.

The engine's messages are written for the command line too ("undo with --force", "`custmgr new`"); in
Excel the same advice is a button or a question, so :func:`excel_wording` rewords those few hints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from custmgr.summary import Summary
from custmgr.sync import Progress

TITLE = "Customer Manager"
MAX_MESSAGE = 1500  # a message box taller than the screen hides its buttons

_WORDING: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Run `custmgr setup BOOK --connector NAME --company PATH` \(or Set Up Sync in Excel\) first\."),
     "Choose the Connector and fill in the Company on the Settings sheet, then click Set Up Sync."),
    (re.compile(r"\(add --map 'FIELD=Column' or a row under"), "(add a row under"),
    (re.compile(r"(run the sync|sync) with --force"), "sync anyway"),
    (re.compile(r"undo with --force"), "undo anyway"),
    (re.compile(r"start a new workbook \(`custmgr new`\)"), "start a new workbook (Set Up Sync in a blank one)"),
    (re.compile(r"run `custmgr new` for a fresh workbook"), "click Set Up Sync in a blank workbook for a fresh one"),
    (re.compile(r"start a new workbook with `custmgr new`"), "start a new workbook and click Set Up Sync in it"),
]
_FORCE = re.compile(r"--force")


def excel_wording(text: str) -> str:
    """The engine's command-line hints as what to do in Excel."""
    for pattern, words in _WORDING:
        text = pattern.sub(words, text)
    return text


def offers_force(text: str) -> bool:
    """Whether the engine refused something the bookkeeper may still choose to do (its ``--force``)."""
    return bool(_FORCE.search(text))


def summary_text(summary: Summary) -> str:
    """A summary as message-box lines (the terminal's column alignment means nothing in a proportional font)."""
    return "\n".join(" ".join(line.split()) for line in summary.lines())


def shorten(text: str, more: str = "The rest is in the Sync Log sheet.") -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    return text[: MAX_MESSAGE - len(more) - 2].rsplit("\n", 1)[0] + "\n…\n" + more


def status_progress(app: Any, beat: Callable[[], None] = lambda: None) -> Progress:
    """Engine progress in Excel's status bar: each phase's name and count ("Reading QuickBooks… 1,200 of
    14,500"), updated at each tenth of the phase, so a sync of any size updates the status bar a dozen times
    per phase at most (each update is a call). ``beat`` is told of every step, however small."""
    state: dict[str, Any] = {"label": "", "total": 0, "done": 0, "step": -1}

    def start(label: str, total: int) -> None:
        beat()
        state.update(label=label, total=total, done=0, step=0)
        app.status_bar = f"{TITLE}: {label}… 0 of {total:,}" if total > 0 else f"{TITLE}: {label}…"

    def advance(n: int) -> None:
        beat()
        state["done"] += n
        total = state["total"]
        if total <= 0:
            return
        done = min(total, state["done"])
        if done * 10 // total > state["step"]:
            state["step"] = done * 10 // total
            app.status_bar = f"{TITLE}: {state['label']}… {done:,} of {total:,}"

    return Progress(start, advance, beat)
