"""Data in and out of other tools: exports of the registry's views (Parquet, CSV, a Frictionless
data package), and imports of published reviews (Cochrane analysis data, RevMan 5 files)."""
