"""What a merge whose reply was lost means, for both protocols.

A merge is never sent twice: Keap has no idempotency keys, and a second merge after a
first that did go through fails at best (the duplicate is gone) and at worst merges a
contact that reused the Id. The backends read instead: the duplicate gone and the
survivor present means it was applied; anything else stays unknown and goes to the user.
"""

from __future__ import annotations

from app.api import errors as e

MERGE_UNKNOWN = (
    "The merge's reply was lost, and both contacts were still there when TagDesk looked: "
    "Keap may not have merged them, or may still be merging. It was not sent again. "
    "Look at the two contacts (or scan for duplicates again) before merging them again."
)


def merge_unknown(lost: e.OutcomeUnknownError) -> e.OutcomeUnknownError:
    """The error for a lost merge reply the read-back could not settle."""
    cause = lost.cause if isinstance(lost.cause, e.ApiError) else None
    return e.OutcomeUnknownError(MERGE_UNKNOWN, cause=cause, method=lost.method)


def settled(keep_id: int, duplicate_id: int, present: set[int]) -> bool:
    """True when the read-back shows the merge applied: the survivor there, the duplicate gone."""
    return int(keep_id) in present and int(duplicate_id) not in present
