"""A brief's kernel process started before jupyter_client is loaded (kirkuk_analysis.
_early_kernel): the kernel that runs the notebook when it can be that kernel, else stopped
and the kernel started the ordinary way; never left running."""

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


def test_given_nothing_the_process_exits(tmp_path):
    with open(tmp_path / "log", "ab") as log:
        early = _early_kernel.start(tmp_path, log)
    early.process.stdin.close()  # as when the brief stops before it needs its kernel
    assert early.process.wait(timeout=120) == 0


def test_only_the_kernel_it_can_be_is_handed_to_it(tmp_path, monkeypatch):
    early = _early_kernel.Early(None, os.path.realpath(tmp_path), dict(os.environ))
    monkeypatch.setattr(os, "getpid", lambda: 4242)  # the launcher's JPY_PARENT_PID
    early.env["JPY_PARENT_PID"] = "4242"
    command = [sys.executable, *_early_kernel.OPTIONS, "-m", "ipykernel_launcher", "-f", "k"]
    env = dict(os.environ)
    assert _early_kernel.arguments_for(early, command, tmp_path, env) == ["-f", "k"]
    other = {
        "another interpreter": ([sys.executable + "x", *command[1:]], tmp_path, env),
        "other options": ([sys.executable, "-m", "ipykernel_launcher", "-f", "k"], tmp_path, env),
        "another module": ([sys.executable, *_early_kernel.OPTIONS, "-m", "x"], tmp_path, env),
        "another folder": (command, tmp_path / "elsewhere", env),
        "another environment": (command, tmp_path, dict(env, KIRKUK_OTHER="1")),
    }
    for why, (cmd, cwd, environment) in other.items():
        assert _early_kernel.arguments_for(early, cmd, cwd, environment) is None, why


def test_a_kernel_it_cannot_be_is_started_the_ordinary_way(tmp_path, monkeypatch):
    # a kernel spec naming a program that is not there: the error it always gave
    spec = tmp_path / "jupyter" / "kernels" / "kirkuk-missing"
    spec.mkdir(parents=True)
    argv = ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "missing", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    with brief._early_kernel_process(tmp_path) as early:
        pid = early.process.pid
        with pytest.raises(brief.BriefError) as raised:
            with brief._started_kernel("kirkuk-missing", tmp_path, None, early):
                pass  # pragma: no cover
        assert not _alive(pid)  # stopped, not left waiting
    assert str(raised.value) == (
        "could not start the notebook's kernel (kirkuk-missing): No such file or directory"
    )


def test_an_early_kernel_no_kernel_manager_took_is_killed(tmp_path):
    with pytest.raises(RuntimeError, match="stopped"):
        with brief._early_kernel_process(tmp_path) as early:
            pid = early.process.pid
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
    early = _early_kernel.Early(ended, os.path.realpath(tmp_path), dict(os.environ))
    try:
        with brief._started_kernel(brief._kernel_name(), tmp_path, None, early) as (km, _):
            process = km.provisioner.process
            assert process is not ended and process.pid != ended.pid
            assert run_sync(km.is_alive)()
    finally:
        ended.stdin.close()
    assert process.poll() is not None  # shut down with the manager


def _run_probe(folder, ahead) -> dict:
    """What a probe notebook's kernel says of itself (its process, its folder), run as
    the brief runs its notebook with the kernel started ``ahead``."""
    code = "import json, os; print(json.dumps([os.getpid(), os.getcwd()]))"
    pid, cwd = json.loads(probe_printed(folder, code, ahead=ahead).splitlines()[-1])
    return {"pid": pid, "cwd": cwd}


def test_a_kernel_started_ahead_runs_the_notebook_in_its_folder(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with _early_kernel.ahead() as ahead:
        folder, early = ahead.folder, ahead.early
        assert folder.parent == tmp_path and folder.name.startswith("kirkuk-brief-")
        pid = early.process.pid
        said = _run_probe(tmp_path, ahead)
        assert said == {"pid": pid, "cwd": os.path.realpath(folder)}
        assert ahead.take() is None  # used once: a second brief starts its own
        assert not _alive(pid)  # shut down with the notebook's run
    assert not folder.exists()


def test_a_kernel_started_ahead_that_cannot_be_the_kernel_is_stopped(tmp_path, monkeypatch):
    with _early_kernel.ahead() as ahead:
        pid = ahead.early.process.pid
        monkeypatch.setenv("KIRKUK_CHANGED_MEANWHILE", "1")  # not the kernel's environment
        said = _run_probe(tmp_path, ahead)
        assert said["pid"] != pid
        assert not _alive(pid)


def test_the_command_starts_its_kernel_first_and_stops_it_when_stopped_early(tmp_path, monkeypatch):
    """``kirkuk-analysis brief`` starts its kernel's process before it reads its parameters;
    when they are bad, the process is stopped and its folder removed."""
    import tempfile

    from kirkuk_analysis import cli, selection

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    order, started = [], []
    start, check = _early_kernel.start, selection.check_selection

    def starting(*args, **kwargs):
        order.append("kernel started")
        started.append(start(*args, **kwargs))
        return started[-1]

    def checking(*args, **kwargs):
        order.append("parameters read")
        return check(*args, **kwargs)

    monkeypatch.setattr(_early_kernel, "start", starting)
    monkeypatch.setattr(selection, "check_selection", checking)
    assert cli.main(["brief", "--start", "2021-13-01", "--output", str(tmp_path / "b.pdf")]) == 2
    assert order == ["kernel started", "parameters read"]
    assert started[0] is not None and not _alive(started[0].process.pid)
    assert list(tmp_path.iterdir()) == []  # its folder removed


def _unusable_config(tmp_path, monkeypatch) -> None:
    """IPYTHONDIR in a folder that does not exist (IPython makes its folder only in an
    existing one) and MPLCONFIGDIR under a file: both would fall back to $TMPDIR."""
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "missing" / "ipython"))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "a-file" / "matplotlib"))


def test_config_folders_move_only_what_cannot_be_used(tmp_path, monkeypatch):
    work = tmp_path / "work"
    _unusable_config(tmp_path, monkeypatch)
    assert _early_kernel.unusable_config_folders() == ["IPYTHONDIR", "MPLCONFIGDIR"]
    with _early_kernel.config_folders(work):
        assert os.environ["IPYTHONDIR"] == str(work / "ipythondir")
        assert os.environ["MPLCONFIGDIR"] == str(work / "mplconfigdir")
    # as they were
    assert os.environ["IPYTHONDIR"] == str(tmp_path / "missing" / "ipython")
    assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "a-file" / "matplotlib")

    # folders that can be made are made, as IPython and matplotlib would, and kept
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "deep" / "matplotlib"))
    with _early_kernel.config_folders(work):
        assert os.environ["IPYTHONDIR"] == str(tmp_path / "ipython")
        assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "deep" / "matplotlib")
    assert (tmp_path / "ipython").is_dir() and (tmp_path / "deep" / "matplotlib").is_dir()


def test_config_folders_unset_follow_the_home(tmp_path, monkeypatch):
    for var in ("IPYTHONDIR", "MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    monkeypatch.setenv("HOME", str(home))
    with _early_kernel.config_folders(tmp_path / "work"):
        assert os.environ["IPYTHONDIR"] == str(tmp_path / "work" / "ipythondir")
        assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "work" / "mplconfigdir")
    assert "IPYTHONDIR" not in os.environ and "MPLCONFIGDIR" not in os.environ

    # matplotlib's cache alone unusable: its folders move all the same
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    assert _early_kernel.unusable_config_folders() == ["MPLCONFIGDIR"]


def test_a_kernel_started_ahead_is_handed_over_with_its_config_folders_moved(tmp_path, monkeypatch):
    """Folders moved for the kernel started ahead are the brief's: the same environment,
    so the brief takes that kernel over, and IPython and matplotlib use the work folder."""
    _unusable_config(tmp_path, monkeypatch)
    code = (
        "import json, os, matplotlib\n"
        "print(json.dumps([os.getpid(), get_ipython().ipython_dir, matplotlib.get_configdir()]))"
    )
    with _early_kernel.ahead() as ahead:
        folder, pid = os.path.realpath(ahead.folder), ahead.early.process.pid
        # make_brief moves them again, for its own folder: nothing left to move
        with _early_kernel.config_folders(tmp_path / "brief-work"):
            printed = probe_printed(tmp_path, code, ahead=ahead)
        said_pid, ipython, matplotlib = json.loads(printed.splitlines()[-1])
    assert said_pid == pid
    assert os.path.realpath(ipython) == os.path.join(folder, "ipythondir")
    assert os.path.realpath(matplotlib) == os.path.join(folder, "mplconfigdir")


@pytest.mark.parametrize(
    "var, value",
    [
        ("IPYTHONDIR", "ipy"),  # IPython's parent of "ipy" is "", no folder: a temporary one
        ("IPYTHONDIR", "./sub/ipy"),
        ("MPLCONFIGDIR", "cfg/matplotlib"),  # read from the kernel's own (temporary) folder
        ("MPLCONFIGDIR", "~/matplotlib"),  # matplotlib does not expand "~"
        ("MPLCONFIGDIR", "~nosuchuser/matplotlib"),
        ("XDG_CONFIG_HOME", "~nosuchuser/config"),
        ("XDG_CACHE_HOME", "relative-cache"),
        ("MPLCONFIGDIR", "/proc/self/cwd/matplotlib"),  # another folder in each process
        ("IPYTHONDIR", "/proc/self/cwd/ipy"),
    ],
)
def test_config_folders_that_depend_on_the_working_folder_move_and_nothing_is_made(
    tmp_path, monkeypatch, var, value
):
    """A path the kernel would read from its own working folder (a temporary one) is moved
    into the brief's folder, and the check makes nothing in this process' working folder."""
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    (cwd / "sub").mkdir(parents=True)
    home.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(home))
    for other in ("IPYTHONDIR", "MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(var, value)
    moved = "IPYTHONDIR" if var == "IPYTHONDIR" else "MPLCONFIGDIR"
    assert _early_kernel.unusable_config_folders() == [moved]
    assert sorted(p.name for p in cwd.iterdir()) == ["sub"] and not any((cwd / "sub").iterdir())


def test_config_folders_follow_ipython_in_expanding_home_and_dropping_dotdot(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))
    monkeypatch.setenv("IPYTHONDIR", "~/ipython")  # IPython expands it: usable
    assert _early_kernel.unusable_config_folders() == []
    assert (tmp_path / "ipython").is_dir()
    # IPython drops "x/.." from the text: "file/x/.." is the file, not a folder
    (tmp_path / "a-file").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere" / "x")
    (tmp_path / "elsewhere" / "x").mkdir(parents=True)
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "a-file" / "x" / ".."))
    assert _early_kernel.unusable_config_folders() == ["IPYTHONDIR"]
    # through a link, ".." is the text's parent (tmp_path), not the link's target's
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "link" / ".." / "ipython"))
    assert _early_kernel.unusable_config_folders() == []


def test_config_folders_without_a_home(tmp_path, monkeypatch):
    """No HOME and no password entry: "~" does not expand, and both fall back."""
    for var in ("HOME", "IPYTHONDIR", "MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    assert _early_kernel.unusable_config_folders() == ["IPYTHONDIR", "MPLCONFIGDIR"]


def test_briefs_made_from_two_threads_leave_the_environment_as_it_was(tmp_path, monkeypatch):
    """Each brief changes PATH (and here IPYTHONDIR, unusable) while its kernel starts; made
    at once from two threads, they take turns, and neither restores what the other set."""
    import threading
    from datetime import date

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "missing" / "ipython"))
    before = dict(os.environ)
    params = brief.BriefParams(date(2021, 1, 1), date(2021, 3, 31))
    errors = []

    def make(name):
        try:
            brief.make_brief(params, tmp_path / f"{name}.html", fmt="html", log=lambda _: None)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=make, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    assert (tmp_path / "a.html").exists() and (tmp_path / "b.html").exists()
    assert dict(os.environ) == before
