"""Layer 0: the vocabulary. Imports nothing from threatmodel but itself."""
