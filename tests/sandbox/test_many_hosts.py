"""`sleuth sandbox up --hosts N`: the most hosts the sandbox allows (32) come up and answer SSH on a 2-core
machine; a count out of range is a usage error (exit 2, one line) and starts nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import launcher, procs
from tests.conftest import sandbox_skip_reason
from tests.support import cli


@pytest.mark.parametrize("count", ["0", "-1", str(launcher.MAX_HOSTS + 1)])
def test_up_refuses_a_host_count_out_of_range(count: str, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    done = cli.sleuth("sandbox", "up", "--hosts", count, "--state-dir", str(state_dir), home=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"sleuth: error: --hosts must be between 1 and 32, not {count}"]
    assert not state_dir.exists()


def test_up_starts_the_most_hosts_allowed_and_each_answers_ssh(tmp_path: Path) -> None:
    reason = sandbox_skip_reason()
    if reason is not None:
        pytest.skip(f"sandbox unavailable: {reason}")
    state_dir = tmp_path / "state"
    state = launcher.up(state_dir, hosts=launcher.MAX_HOSTS)
    try:
        checked = launcher.status(state_dir)
        assert len(checked.hosts) == launcher.MAX_HOSTS
        assert all(h.alive and h.answers_ssh for h in checked.hosts)
        assert len({h.port for h in state.hosts}) == launcher.MAX_HOSTS
        assert len({h.host_key_fingerprint for h in state.hosts}) == launcher.MAX_HOSTS
        assert state.known_hosts.read_text().count("\n") == launcher.MAX_HOSTS
    finally:
        launcher.down(state_dir)
    assert not any(procs.is_running(h.init_pid, h.init_start_time) for h in state.hosts)
    assert not (state_dir / "state.json").exists()
