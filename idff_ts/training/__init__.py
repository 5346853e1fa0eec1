"""Training (Lightning) and the checkpoint format (no Lightning needed to load)."""
