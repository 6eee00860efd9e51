"""The classification bench on a few columns per label, so it cannot rot.

It runs, prints the goal table, and ``--check`` fails, naming the group, when a goal cannot be met.
"""

from __future__ import annotations

from bench import bench_classify

SMALL = ["--columns-per-group", "3", "--workers", "1", "--baseline-columns", "14", "--errors", "3"]


def test_bench_runs_and_prints_the_goal_table(capsys):
    assert bench_classify.main(SMALL) == 0
    out = capsys.readouterr().out
    assert "govdata classifier (1 process" in out
    for group in bench_classify.GOALS:
        assert f"  {group}" in out
    assert "goal ≥ 99.5%" in out
    assert "baseline: plain Presidio per cell" in out
    assert "holdout (" in out


def test_check_fails_naming_the_group_that_missed_its_goal(capsys):
    assert bench_classify.main([*SMALL, "--check", "--goal", "free text with PII=1.01"]) == 1
    captured = capsys.readouterr()
    assert "goal ≥ 101.0%: NOT met" in captured.out
    assert "goal missed: free text with PII" in captured.err
    assert "goal missed: names and addresses" not in captured.err
