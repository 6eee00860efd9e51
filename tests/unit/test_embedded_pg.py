"""Where the embedded cluster lives: in the checkout when the server user can reach it, else a folder of its own."""

from __future__ import annotations

import os
import pwd
import tempfile
from pathlib import Path

import pytest

from govdata.embedded_pg import RELOCATION_BASES, cluster_root, relocated_root, traversable_by


def test_two_checkouts_never_share_a_relocated_cluster(tmp_path):
    one, two = relocated_root(tmp_path / "a" / ".local" / "pg", "govdata"), relocated_root(tmp_path / "b", "govdata")
    assert one != two and one.parent in RELOCATION_BASES
    assert one.name.startswith("govdata-") and one == relocated_root(tmp_path / "a" / ".local" / "pg", "govdata")
    assert relocated_root(tmp_path, "../../etc").parent in RELOCATION_BASES  # a label is never a path


def test_without_a_separate_server_user_the_cluster_stays_in_the_checkout(tmp_path):
    assert cluster_root(tmp_path / "pg", "x", run_as=None) == (tmp_path / "pg").resolve()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own folders the postgres user cannot enter")
def test_a_folder_the_server_user_cannot_enter_moves_the_cluster():
    pwd.getpwnam("postgres")
    with tempfile.TemporaryDirectory() as name:
        base = Path(name)
        base.chmod(0o755)
        if not traversable_by(base, "postgres"):
            pytest.skip("the temporary folder is not reachable by postgres (TMPDIR inside a private folder)")
        _moves_only_from_private_folders(base)


def _moves_only_from_private_folders(base: Path) -> None:
    private = base / "private"
    private.mkdir(mode=0o700)
    open_ = base / "open"
    open_.mkdir(mode=0o755)
    assert not traversable_by(private, "postgres")
    assert cluster_root(private / "pg", "p", "postgres") == relocated_root(private / "pg", "p")
    assert cluster_root(open_ / "pg", "o", "postgres") == (open_ / "pg").resolve()
    (private / "pg" / "data").mkdir(parents=True)
    (private / "pg" / "data" / "PG_VERSION").write_text("15")
    # a cluster already initialised stays where it is, so the answer never flips
    assert cluster_root(private / "pg", "p", "postgres") == (private / "pg").resolve()
