"""Qt item models: id-list table models that page in rows lazily, and their roles."""
