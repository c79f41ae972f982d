"""Duplicate contacts: finding groups (pure, :mod:`app.duplicates.finding`) and planning merges."""

from app.duplicates.finding import Confidence, DuplicateGroup, Reason, find_groups

__all__ = ["Confidence", "DuplicateGroup", "Reason", "find_groups"]
