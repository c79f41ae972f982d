"""``tagdesk-cli``: bulk tag jobs, their journal, resume, undo and history from a shell (no Qt)."""
