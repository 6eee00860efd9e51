"""Catalog stage: 公共数据资源目录, 责任清单 and 一数一源 conflicts (dbt models plus the Python around them)."""
