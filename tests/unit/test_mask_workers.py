"""map_values: the same list as in-process, computed by forked workers when the list is long enough."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govdata.mask import workers
from govdata.mask.values import person_name


def test_forked_workers_give_the_in_process_result_in_order(monkeypatch):
    monkeypatch.setenv("GOVDATA_MASK_WORKERS", "2")
    names = [f"{surname}{given}" for surname in "张王李赵欧阳司马" for given in ("三", "娜娜", "小明", "一")] * 50
    parent = os.getpid()

    def masked_where(name: str) -> tuple[str, int]:  # a closure: never pickled, inherited by the fork
        return person_name(name), os.getpid() - parent

    results = workers.map_values(masked_where, names, min_values=1, chunk=64)
    assert [m for m, _ in results] == [person_name(n) for n in names]
    assert 0 not in {offset for _, offset in results}  # every value computed in a worker


def test_short_lists_and_one_worker_stay_in_process(monkeypatch):
    monkeypatch.setenv("GOVDATA_MASK_WORKERS", "2")
    assert {pid for pid in workers.map_values(lambda _: os.getpid(), range(10))} == {os.getpid()}
    monkeypatch.setenv("GOVDATA_MASK_WORKERS", "1")
    assert {pid for pid in workers.map_values(lambda _: os.getpid(), range(10), min_values=1)} == {os.getpid()}


def test_a_worker_error_is_raised_in_the_caller(monkeypatch):
    monkeypatch.setenv("GOVDATA_MASK_WORKERS", "2")

    def fails_on_seven(value: int) -> int:
        if value == 7:
            raise ValueError("seven")
        return value

    with pytest.raises(ValueError, match="seven"):
        workers.map_values(fails_on_seven, list(range(100)), min_values=1, chunk=10)


def test_a_parent_that_catches_sigterm_does_not_hang_the_pool(tmp_path):
    # Airflow's task runner handles SIGTERM: the workers must not inherit that (the pool would wait forever)
    script = tmp_path / "parent.py"
    script.write_text(
        "import signal, sys\n"
        "def on_term(signum, frame):\n"
        "    raise RuntimeError('terminated')\n"
        "signal.signal(signal.SIGTERM, on_term)\n"
        "from govdata.mask import workers\n"
        "print(sum(workers.map_values(lambda v: v * 2, list(range(1000)), min_values=1, chunk=10)))\n"
        "try:\n"
        "    workers.map_values(lambda v: 1 // (v - 500), list(range(1000)), min_values=1, chunk=10)\n"
        "except ZeroDivisionError:\n"
        "    print('raised')\n",
        encoding="utf-8",
    )
    env = {**os.environ, "GOVDATA_MASK_WORKERS": "2"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(999 * 1000), "raised"]
