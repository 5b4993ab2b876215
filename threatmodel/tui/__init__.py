"""Layer 4: the Textual terminal UI (``threatmodel tui``).

Importing this package imports nothing heavy; ``threatmodel.tui.app`` pulls in Textual.
The editing state (:mod:`threatmodel.edit.session`) and the form logic
(:mod:`threatmodel.tui.forms`) are plain Python, so they are tested without a terminal.
"""
