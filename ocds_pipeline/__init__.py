"""ocds_pipeline: SERCOP procurement tables to OCDS 1.1 / OC4IDS open data."""

__version__ = "0.1.0"
