"""Layer 3b: files and processes <-> model objects."""
