"""Storage: DuckDB for records, LanceDB for searchable chunks. Nothing here imports dspy."""
