"""Models for the advocacy app."""
