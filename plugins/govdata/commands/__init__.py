"""Subcommands of the govdata CLI that are not owned by one stage."""
