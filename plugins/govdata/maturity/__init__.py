"""PDMM maturity scoring (成熟度评估): dbt models under marts/maturity, fix lists and the departments' reports."""
