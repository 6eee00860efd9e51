"""The classification benchmark's parts; ``bench/bench_classify.py`` is its command line."""
