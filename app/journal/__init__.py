"""The change journal: every write's intent before it is sent, its outcome after, per connection.

Keap has no undo and no idempotency keys; this local record is what lets TagDesk resume a
job after a crash without sending anything twice, show the history of changes, and undo
them. No Qt here: the GUI and ``tagdesk-cli`` share it (docs/design/journal-api.md).
"""

from app.journal.journal import Journal, journal_path
from app.journal.model import ChangeRecord, JobSummary
from app.journal.store import JournalVersionError

__all__ = ["ChangeRecord", "JobSummary", "Journal", "JournalVersionError", "journal_path"]
