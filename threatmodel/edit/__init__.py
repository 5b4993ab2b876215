"""Editing a model headless: changes as values (:mod:`.changes`) and the session that applies
them to the model, its YAML document and its analysis, with undo and safe saving (:mod:`.session`).
The TUI draws on top of this package; nothing here imports Textual."""
