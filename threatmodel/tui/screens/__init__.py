"""Screens of the TUI: one per user task."""
