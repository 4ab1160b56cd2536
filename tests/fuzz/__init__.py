"""Fuzz tests of every parser of outside data (hypothesis here, atheris from `make fuzz`)."""
