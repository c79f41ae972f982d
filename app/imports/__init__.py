"""Importing contacts from CSV files: reading, mapping columns to fields, checking rows (no Qt)."""
