"""Demo departmental systems (数源部门) with known PII, defects and 一数一源 conflicts, for demos and tests."""

from govdata.demo.build import build_demo, generate

__all__ = ["build_demo", "generate"]
