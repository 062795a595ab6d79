"""Evidence for a new video: sources, research notes, fact checks, audience and idea validation."""
