"""Turning a creator's videos (URLs, caption files, transcripts) into a clean, searchable corpus."""
