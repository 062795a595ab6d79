"""How a creator sounds: stylometric features, signature phrases, the attribution scorer and its validation."""
