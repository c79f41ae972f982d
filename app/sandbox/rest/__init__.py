"""Keap REST v2 emulation over the sandbox's one store: conventions, routes, handlers."""
