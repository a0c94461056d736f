"""Pure analytics over DuckDB relations; every result carries the `Evidence` of what it read."""
