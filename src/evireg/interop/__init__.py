"""Data in and out of other tools: exports of the registry's views (Parquet, CSV, a Frictionless
data package), and later imports from Cochrane/RevMan. Reads the index through index/."""
