"""Models for the reports app."""
