"""Dialogs: small, self-contained windows that talk to services through the task runner."""
