"""Crawl stage: harvest departmental metadata into meta.* and snapshot data into raw_<dept>.*."""
