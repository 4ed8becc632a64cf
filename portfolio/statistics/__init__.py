"""Rollups and statistics, kept apart from the resources they summarise (as CTFd keeps its statistics/):
the measures (measures.py), one record per dimension (dimensions.py), the two readers that answer the
same question from the base tables or the rollups (readers.py), the rollup maintenance (rollups.py),
the answers (aggregates.py, summary.py) and their CSV/XLSX renderings (renderers.py)."""
