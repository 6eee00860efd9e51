"""质量 — data quality of catalogued resources with Great Expectations: rules, suites, validation, results."""
