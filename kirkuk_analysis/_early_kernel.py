"""A brief's kernel process, started before this process has loaded what starts kernels.

jupyter_client, which writes a kernel's connection file and starts it, takes about a third
of a second to import; the kernel's own start (ipykernel, then the brief's
:data:`~kirkuk_analysis.brief.PRELOAD`) takes well over a second after that. So a brief
starts its kernel's process first (:func:`start`): it imports what a kernel imports and
the preload (:func:`~kirkuk_analysis.brief.preload_code`), then waits, on its standard
input, for the arguments of the kernel it is to be. The kernel manager's launch hands it
over (:func:`provisioner`: jupyter_client's local provisioner, launching by handing over)
when the command it would run is what the process can become (:func:`arguments_for`):
this interpreter, with the same options, running ``ipykernel_launcher`` in the same folder
and environment (the brief's own kernel spec). Then the process runs ipykernel with those
arguments, as ``ipykernel_launcher`` does. Any other command (another kernel spec, a
changed environment) is started the ordinary way, errors and all, and the process is
stopped.

``kirkuk-analysis brief`` starts it earlier still (:func:`ahead`), with the brief's work
folder, before it reads its parameters and loads the brief's own modules: this module
imports little for that reason.

The process is the kernel jupyter_client knows (its process, group and session), so
interrupting, killing and reaping it are jupyter_client's own. Given nothing (the brief
stopped first: the pipe closes when this process ends, however it ends), it exits.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The interpreter options of the process (the brief's kernel spec has them: ipykernel's
#: own spec lets a debugger see the standard library's source).
OPTIONS = ("-Xfrozen_modules=off",)

#: The module a kernel spec's command runs (``python -m ipykernel_launcher -f ...``).
LAUNCHER = "ipykernel_launcher"

#: The file, in its work folder, a brief's kernel writes its output and log to.
LOG = "kernel.log"


class Early:
    """A kernel process started by :func:`start`, with the folder and environment it
    started in. (A plain class: this module is imported before anything else a brief
    needs, and dataclasses would import inspect.)"""

    __slots__ = ("process", "cwd", "env")

    def __init__(self, process: subprocess.Popen, cwd: str, env: dict):
        self.process, self.cwd, self.env = process, cwd, env


def interpreter_first(path: str) -> str:
    """``path`` (a ``PATH`` value) with this interpreter's folder first: a brief runs its
    notebook with that ``PATH``, so that the generic "python3" kernel spec, which runs
    ``python`` from ``PATH``, runs this interpreter.

    >>> interpreter_first("/usr/bin").endswith(os.pathsep + "/usr/bin")
    True
    """
    return os.pathsep.join([str(Path(sys.executable).parent), path])


def start(cwd: Path | str, log, env: dict | None = None) -> Early | None:
    """The kernel's process, started in ``cwd`` with its output going to ``log`` (a file
    open for writing) and its standard input a pipe, in a session of its own, with the
    environment jupyter_client's launcher gives a kernel (``env``, default this process's,
    with ``JPY_PARENT_PID``); None where kernels are not started so (not POSIX) or it
    cannot start (the brief then starts its kernel the ordinary way)."""
    if os.name != "posix":
        return None
    env = dict(os.environ if env is None else env, JPY_PARENT_PID=str(os.getpid()))
    try:
        process = subprocess.Popen(
            [sys.executable, *OPTIONS, "-m", __name__],
            stdin=subprocess.PIPE, stdout=log, stderr=log, cwd=str(cwd), env=env,
            start_new_session=True,
        )  # fmt: skip
    except OSError:
        return None
    return Early(process, os.path.realpath(cwd), env)


def stop(early: Early) -> None:
    """Kill ``early``'s process group, if it still runs, and reap it."""
    process = early.process
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
    process.wait()
    if process.stdin is not None:
        process.stdin.close()


class Ahead:
    """A brief's work folder and its kernel's process, started by :func:`ahead` before the
    brief knows what it will run; used once (:meth:`take`)."""

    def __init__(self, folder: Path, early: Early | None):
        self.folder, self.early, self.taken = folder, early, False

    def take(self) -> tuple[Path, Early | None] | None:
        """The folder and the process, the first time; None after (the caller then makes
        its own)."""
        if self.taken:
            return None
        self.taken = True
        return self.folder, self.early


def _writable_dir(path: str) -> bool:
    return os.path.isdir(path) and os.access(path, os.W_OK)


#: Held while a brief has changed this process' environment for its kernel (``PATH``,
#: IPython's and matplotlib's folders): briefs made from several threads of one process
#: take turns; else one would restore, on its way out, what another had just set.
ENVIRONMENT = threading.RLock()

#: Paths that name another folder in each process (the kernel's is not this one's).
_PER_PROCESS = ("/proc/self/", "/proc/thread-self/", "/dev/fd/", "/dev/stdin", "/dev/stdout")


def _fixed(path: str) -> bool:
    """Whether ``path`` names the same folder in the kernel's process as in this one: not
    relative (the kernel works in a temporary folder) nor through ``/proc/self``."""
    return os.path.isabs(path) and not (path + "/").startswith(_PER_PROCESS)


def _home() -> str | None:
    """The home folder as ``~`` expands, or None where it does not (no ``HOME`` and no
    password entry: IPython's and matplotlib's folders then fall back to ``$TMPDIR``)."""
    home = os.path.expanduser("~")
    return home if _fixed(home) else None


def _ipython_folder() -> str | None:
    """The folder IPython would use (``IPython.paths.get_ipython_dir``: ``$IPYTHONDIR``,
    else ``~/.ipython``, or an existing ``$XDG_CONFIG_HOME/ipython`` instead of a missing
    one), made here where IPython would make it; None where IPython would fall back to a
    temporary folder. A relative path counts as such: the kernel would read it from its own
    working folder, a temporary one."""
    ipdir = os.environ.get("IPYTHONDIR")
    if ipdir is None:
        home = _home()
        if home is None:
            return None
        home = os.path.realpath(home)
        ipdir = os.path.join(home, ".ipython")
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        legacy = os.path.join(xdg, "ipython")
        if (
            os.name == "posix"
            and _fixed(xdg)
            and _writable_dir(xdg)
            and _writable_dir(legacy)
            and not os.path.exists(ipdir)
            and not os.path.islink(legacy)
        ):
            ipdir = legacy
    # as IPython reads it: "~" expanded, then ".." taken off the text (not the folder a
    # symbolic link leads to)
    ipdir = os.path.normpath(os.path.expanduser(ipdir))
    if not _fixed(ipdir):
        return None
    if os.path.exists(ipdir):
        return ipdir if _writable_dir(ipdir) else None
    if not _writable_dir(os.path.dirname(ipdir)):
        return None
    os.makedirs(ipdir, exist_ok=True)  # as IPython does next (it fails where this does)
    return ipdir


def _matplotlib_folders() -> list[str] | None:
    """The configuration and cache folders matplotlib would use (``$MPLCONFIGDIR`` for
    both, else ``$XDG_CONFIG_HOME/matplotlib`` and ``$XDG_CACHE_HOME/matplotlib``, under
    ``~/.config`` and ``~/.cache`` by default; ``~/.matplotlib`` outside Linux and
    FreeBSD), made here as matplotlib makes them; None where it would fall back to a
    temporary folder (a relative path counts as such, as for :func:`_ipython_folder`).
    matplotlib takes each path as written: a ``~`` in it is not the home folder."""
    configured = os.environ.get("MPLCONFIGDIR")
    if configured:
        folders = [configured]
    else:
        home = _home()
        if home is None:
            return None
        if sys.platform.startswith(("linux", "freebsd")):
            folders = [
                os.path.join(os.environ.get(base) or os.path.join(home, default), "matplotlib")
                for base, default in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"))
            ]
        else:
            folders = [os.path.join(home, ".matplotlib")]
    made = []
    for folder in folders:
        if not _fixed(folder):
            return None
        resolved = Path(folder).resolve()
        resolved.mkdir(parents=True, exist_ok=True)
        if not (resolved.is_dir() and os.access(resolved, os.W_OK)):
            return None
        made.append(str(resolved))
    return made


def unusable_config_folders() -> list[str]:
    """The variables (``IPYTHONDIR``, ``MPLCONFIGDIR``) whose folders IPython or matplotlib
    could not use, each decided by that library's own rule (:func:`_ipython_folder`,
    :func:`_matplotlib_folders`). A missing folder is made where and as the library would
    make it, and nowhere else."""
    unusable = []
    if sys.platform == "win32":  # their rules differ there, and no kernel is started ahead
        return unusable
    for var, find in (("IPYTHONDIR", _ipython_folder), ("MPLCONFIGDIR", _matplotlib_folders)):
        try:
            found = find()
        except (OSError, RuntimeError, ValueError):  # RuntimeError: a symbolic-link loop
            found = None
        if found is None:
            unusable.append(var)
    return unusable


@contextmanager
def config_folders(work: Path) -> Iterator[None]:
    """IPython's and matplotlib's folders inside ``work`` while the block runs (for this
    process and those it starts), for each whose own cannot be used
    (:func:`unusable_config_folders`: a read-only or missing home, a variable naming a folder
    that cannot be written). Each would otherwise make a folder of its own in ``$TMPDIR``
    that a kernel stopped at the end of a brief never removes (IPython one more each time
    it looks for its folder). The variables are as they were afterwards.

    One rule for the kernel started ahead and for the brief that takes it over: the same
    environment, so the brief can hand the kernel over. Holds :data:`ENVIRONMENT`.
    """
    with ENVIRONMENT:
        moved = {var: os.environ.get(var) for var in unusable_config_folders()}
        for var in moved:
            os.environ[var] = str(Path(work) / var.lower())
        try:
            yield
        finally:
            for var, value in moved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value


@contextmanager
def ahead() -> Iterator[Ahead]:
    """A brief's kernel process, started at once in a fresh work folder, with the
    ``PATH`` the brief will run its notebook with (:func:`interpreter_first`), its output in
    the folder's :data:`LOG`: ``kirkuk-analysis brief`` starts it before it reads its
    parameters and the data package's vocabulary and loads the brief's modules (about a
    tenth of a second), so that the kernel's imports begin that much sooner. The brief
    takes both (:meth:`Ahead.take`) and hands the process over as it would the one it
    starts itself; a process the brief could not use, or never took, is killed. On exit,
    the process (if it still runs) is killed and the folder removed, however the block
    ends. Start nothing where kernels are not started so (the folder is still made).
    IPython's and matplotlib's folders are moved into the folder where theirs cannot be
    used (:func:`config_folders`), for the process and the brief alike."""
    from kirkuk_analysis._cleanup import held_signals, temporary_folder

    with temporary_folder("kirkuk-brief-") as folder, config_folders(folder):
        env = dict(os.environ, PATH=interpreter_first(os.environ.get("PATH", "")))
        with held_signals():  # started and recorded, so stopped below, or neither
            with open(folder / LOG, "ab") as log:
                early = start(folder, log, env)
        try:
            yield Ahead(folder, early)
        finally:
            if early is not None:
                with held_signals():
                    stop(early)


def launcher_arguments(command: list[str], options, executable: str, path: str | None):
    """The arguments ``command`` gives ``ipykernel_launcher`` when it runs ``executable``
    (found on ``path`` when named without a folder) with exactly ``options`` before
    ``-m``; None for any other command.

    >>> launcher_arguments(["/v/bin/python", "-Xa", "-m", "ipykernel_launcher", "-f", "k.json"],
    ...                    ["-Xa"], "/v/bin/python", None)
    ['-f', 'k.json']
    >>> launcher_arguments(["/v/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"],
    ...                    ["-Xa"], "/v/bin/python", None) is None  # other options
    True
    >>> launcher_arguments(["/usr/bin/python3", "-m", "ipykernel_launcher"], [],
    ...                    "/v/bin/python", None) is None  # another interpreter
    True
    """
    if not command or "-m" not in command[1:]:
        return None
    at = command.index("-m", 1)
    program = command[0] if os.sep in command[0] else shutil.which(command[0], path=path)
    if program is None or os.path.abspath(program) != os.path.abspath(executable):
        return None
    if list(command[1:at]) != list(options) or command[at + 1 : at + 2] != [LAUNCHER]:
        return None
    return list(command[at + 2 :])


def arguments_for(early: Early, command: list[str], cwd, env: dict) -> list[str] | None:
    """The ipykernel arguments that make ``early`` the kernel jupyter_client would start
    with ``command`` in ``cwd`` with ``env`` (its launcher adds ``JPY_PARENT_PID``), or None
    when ``early`` cannot become it."""
    env = dict(env, JPY_PARENT_PID=str(os.getpid()))
    if env != early.env or os.path.realpath(cwd) != early.cwd:
        return None
    command = [os.path.expanduser(part) for part in command]
    return launcher_arguments(command, OPTIONS, sys.executable, env.get("PATH"))


def provisioner(km, early: Early):
    """A local provisioner for ``km`` that launches its kernel by handing ``early`` (from
    :func:`start`) the arguments (:func:`arguments_for`), or, when it cannot be that
    kernel or has ended, stops it and launches the ordinary way. ``km`` gets a kernel id
    here (the provisioner is made before ``km`` makes one)."""
    import uuid

    from jupyter_client.provisioning import LocalProvisioner

    class HandingOver(LocalProvisioner):
        async def launch_kernel(self, cmd, **kwargs):
            process = early.process
            cwd = kwargs.get("cwd") or os.getcwd()
            arguments = arguments_for(early, cmd, cwd, kwargs.get("env") or dict(os.environ))
            try:
                if arguments is None or process.poll() is not None:
                    raise BrokenPipeError
                process.stdin.write(json.dumps(arguments).encode("utf-8") + b"\n")
                process.stdin.flush()  # the pipe stays open, as a kernel's stdin does
            except OSError:
                stop(early)
                return await super().launch_kernel(cmd, **kwargs)
            self.process = process
            self.pid = process.pid
            try:
                self.pgid = os.getpgid(process.pid)
            except OSError:
                self.pgid = None
            self.cwd = kwargs.get("cwd", Path.cwd())
            return self.connection_info

    km.kernel_id = km.kernel_id or str(uuid.uuid4())
    return HandingOver(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)


def main() -> int:
    """The kernel's process (:func:`start`): what a kernel imports, the brief's preload,
    then ipykernel with the arguments it is handed."""
    # as ipykernel_launcher does: the working folder off the path while the kernel loads
    # (ipykernel puts it back)
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    # the backend ipykernel chooses when none is set, before matplotlib reads it
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    from ipykernel import kernelapp

    from kirkuk_analysis.brief import preload_code

    exec(compile(preload_code(), "<preload>", "exec"), {})
    line = sys.stdin.buffer.readline()
    if not line:  # the brief stopped before it needed its kernel
        return 0
    arguments = json.loads(line)
    sys.argv[1:] = arguments  # what ipykernel_launcher's process has
    kernelapp.launch_new_instance(argv=arguments)
    return 0


if __name__ == "__main__":
    sys.exit(main())
