"""evireg: an evidence registry for meta-analysis of clinical trials."""

__version__ = "0.1.0"
