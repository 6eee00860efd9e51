"""Run one DAG through Airflow in this process (``dag.test``) and exit non-zero unless it succeeded.

Used by `govdata run` in a subprocess that carries Airflow's environment; the run is recorded in
Airflow's metadata DB, so it shows in the UI like any other run.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime


def run_dag(dag_id: str, logical_date: datetime) -> str:
    """Parse dags/, run the DAG for the logical date, return the run's final state."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag()
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            print(f"DAG import error in {path}:\n{error}", file=sys.stderr)
        raise SystemExit(2)
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise SystemExit(f"no DAG named {dag_id!r} in {sorted(bag.dag_ids)}")
    # run_after = logical date gives a stable run id, so running the same day again replaces that run
    run = dag.test(logical_date=logical_date, run_after=logical_date)
    return str(run.state)


def main() -> None:
    """Command-line entry: ``python -m govdata.commands.run_dag DAG_ID LOGICAL_DATE``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("dag_id")
    parser.add_argument("logical_date", type=datetime.fromisoformat)
    args = parser.parse_args()
    state = run_dag(args.dag_id, args.logical_date)
    print(f"GOVDATA_DAG_STATE {args.dag_id} {state}")
    sys.exit(0 if state == "success" else 1)


if __name__ == "__main__":
    main()
