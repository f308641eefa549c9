"""A brief's kernel process started before jupyter_client is loaded (kirkuk_analysis.
_early_kernel): the kernel that runs the notebook, or, handed any other command, that
command; never left running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from probes import probe_printed

from kirkuk_analysis import _early_kernel, brief

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the early start is POSIX only")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in (b"Z", b"X")


def _order(process: subprocess.Popen, command: list[str], cwd, env=None) -> None:
    order = {"command": command, "cwd": str(cwd), "env": env or dict(os.environ)}
    process.stdin.write(json.dumps(order).encode() + b"\n")
    process.stdin.flush()


@pytest.mark.parametrize("tmpdir", ["as it is", "through a symbolic link"])
def test_the_notebook_runs_in_the_process_started_first(tmp_path, monkeypatch, tmpdir):
    import tempfile

    if tmpdir == "through a symbolic link":  # the kernel's folder as the kernel sees it
        real = tmp_path / "real"
        real.mkdir()
        (tmp_path / "link").symlink_to(real)
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "link"))
    probe = (
        "import json, sys\n"
        "from ipykernel.kernelapp import IPKernelApp\n"
        "app = IPKernelApp.instance()\n"
        "print(json.dumps({'argv': sys.orig_argv, 'history': get_ipython().history_manager"
        ".hist_file, 'connection': app.connection_file, 'preloaded': "
        f"all(m in sys.modules for m in {brief.PRELOAD!r})}}))"
    )
    said = json.loads(probe_printed(tmp_path, probe).splitlines()[-1])
    assert said["argv"][-2:] == ["-m", "kirkuk_analysis._early_kernel"]
    # as jupyter_client would have started it: its arguments, its connection file
    assert said["history"] == ":memory:"
    assert os.path.basename(said["connection"]) == "kernel.json"
    assert said["preloaded"]


def test_handed_another_command_the_process_becomes_it(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with open(tmp_path / "log", "ab") as log:
        process = _early_kernel.start(tmp_path, log)
    try:
        # not ipykernel_launcher: that program, in that folder, in place of this process
        said = "import json, os, sys; print(json.dumps([os.getpid(), os.getcwd(), sys.argv[1:]]))"
        _order(process, [sys.executable, "-c", said, "x"], elsewhere)
        assert process.wait(timeout=120) == 0
    finally:
        process.kill()
        process.wait()
        process.stdin.close()
    pid, cwd, args = json.loads((tmp_path / "log").read_text().splitlines()[-1])
    assert (pid, cwd, args) == (process.pid, str(elsewhere), ["x"])


def test_given_nothing_the_process_exits(tmp_path):
    with open(tmp_path / "log", "ab") as log:
        process = _early_kernel.start(tmp_path, log)
    process.stdin.close()  # as when the brief stops before it needs its kernel
    assert process.wait(timeout=120) == 0


def test_an_early_kernel_no_kernel_manager_took_is_killed(tmp_path):
    with pytest.raises(RuntimeError, match="stopped"):
        with brief._early_kernel_process(tmp_path) as process:
            pid = process.pid
            assert _alive(pid)
            raise RuntimeError("the brief stopped")
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _alive(pid)


def test_a_process_that_ended_is_replaced_by_the_ordinary_start(tmp_path):
    from jupyter_core.utils import run_sync

    ended = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE)
    ended.wait()
    try:
        with brief._started_kernel(brief._kernel_name(), tmp_path, None, ended) as (km, _):
            process = km.provisioner.process
            assert process is not ended and process.pid != ended.pid
            assert run_sync(km.is_alive)()
    finally:
        ended.stdin.close()
    assert process.poll() is not None  # shut down with the manager
