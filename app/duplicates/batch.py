"""Planning a batch merge of high-confidence groups: pure, so its dry run needs no call.

Only "high" groups are merged in a batch (the same e-mail address, or the same name and
phone, hold every member together); medium and low groups need a person to look at
them in the merge assistant. Each group merges every other member into its suggested
survivor, one pair at a time, keeping the survivor's values (Keap fills its blanks from
the duplicate). A pair costs three calls: both contacts are read in full first, so the
journal keeps the duplicate's values (a merge cannot be undone), then the merge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.duplicates.finding import DuplicateGroup

CALLS_PER_PAIR = 3
#: Said before every merge, in the GUI and the CLI.
MERGE_WARNING = ("Merges cannot be undone by Keap; TagDesk keeps the merged contact's full values "
                 "in the history.")


@dataclass(frozen=True)
class MergePair:
    """One merge: ``duplicate`` goes into ``keep``; ``reason`` says why they are one person."""

    keep: int
    duplicate: int
    reason: str = ""


@dataclass(frozen=True)
class BatchPlan:
    """The merges a batch will make, and the groups it leaves for a person to look at."""

    pairs: tuple[MergePair, ...]
    groups: int
    skipped_groups: int

    @property
    def calls(self) -> int:
        """Calls the batch makes: three per pair, plus one for the custom fields."""
        return CALLS_PER_PAIR * len(self.pairs) + (1 if self.pairs else 0)

    def describe(self) -> str:
        """The dry run in words, with the warning that must come before any merge."""
        if not self.pairs:
            return "No high-confidence groups to merge."
        contacts = len({p.keep for p in self.pairs}) + len(self.pairs)
        text = (f"{len(self.pairs)} merge{'s' if len(self.pairs) != 1 else ''} in {self.groups} "
                f"high-confidence group{'s' if self.groups != 1 else ''} ({contacts} contacts become "
                f"{contacts - len(self.pairs)}), about {self.calls} calls. Each group keeps its oldest "
                "contact; its blank fields are filled from the duplicates, and their tags and records "
                "move to it.")
        if self.skipped_groups:
            text += (f" {self.skipped_groups} medium or low confidence group"
                     f"{'s are' if self.skipped_groups != 1 else ' is'} left for you to check one by one.")
        return f"{text} {MERGE_WARNING}"


def plan_batch(groups: Iterable[DuplicateGroup]) -> BatchPlan:
    """Pairs (survivor, duplicate) for every high-confidence group; no call is made."""
    pairs: list[MergePair] = []
    high = skipped = 0
    for group in groups:
        if group.confidence != "high":
            skipped += 1
            continue
        high += 1
        pairs.extend(MergePair(group.keep, dup, group.reason) for dup in group.duplicates)
    return BatchPlan(tuple(pairs), high, skipped)


@dataclass
class BatchReport:
    """What a batch did: the pairs merged, those that failed (with the reason), those not tried."""

    done: list[MergePair] = field(default_factory=list)
    failed: list[tuple[MergePair, str]] = field(default_factory=list)
    not_started: list[MergePair] = field(default_factory=list)
    cancelled: bool = False

    def describe(self) -> str:
        parts = [f"{len(self.done)} merged"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.not_started:
            parts.append(f"{len(self.not_started)} not started" + (" (cancelled)" if self.cancelled else ""))
        return ", ".join(parts) + "."
