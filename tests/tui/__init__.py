"""Tests of the terminal UI: session and form logic, Pilot behaviour, SVG snapshots, a real terminal."""
