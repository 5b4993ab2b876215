"""Drafting models from other tools' files (CycloneDX AI-BOMs, Threagile, Threat Dragon)."""
