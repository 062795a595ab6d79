"""DSPy signatures and modules, one file per stage."""
