"""Drafting a script: outline, hooks, script, checks, versions and export."""
