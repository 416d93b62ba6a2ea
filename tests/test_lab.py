"""Tests for helpers.lab (``make lab``): the autoreloading kernel, and the notebooks in JupyterLab.

The end-to-end test starts a real JupyterLab on a free loopback port with a random token, on a
temporary copy of notebooks/ and with Jupyter's config, data and runtime folders in tmp_path (the
source notebooks and the user's Jupyter settings are never touched), then drives headless
Chromium through the Run menu like a researcher would.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_support import PageWatch
from helpers import config, lab

# --- the kernel spec --------------------------------------------------------------------------


def test_kernel_spec_is_the_project_kernel_with_autoreload(tmp_path):
    kernel_dir = lab.write_kernel_spec(tmp_path)
    assert kernel_dir == tmp_path / "kernels" / "python3"
    spec = json.loads((kernel_dir / "kernel.json").read_text(encoding="utf-8"))
    launcher = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert spec["argv"][:5] == launcher
    assert "--InteractiveShellApp.extensions=autoreload" in spec["argv"]
    assert spec["display_name"] == lab.DISPLAY_NAME and spec["language"] == "python"
    assert (kernel_dir / "logo-64x64.png").is_file()
    env = lab.lab_environment(tmp_path, base={"JUPYTER_PATH": "/elsewhere", "HOME": "/h"})
    assert env == {"JUPYTER_PATH": os.pathsep.join([str(tmp_path), "/elsewhere"]), "HOME": "/h"}
    assert lab.lab_environment(tmp_path, base={})["JUPYTER_PATH"] == str(tmp_path)
    # make lab keeps its spec apart from the one papermill (make reports) resolves.
    assert lab.lab_jupyter_path() != Path(sys.prefix) / "share" / "jupyter"


def run_cell(client, code: str) -> str:
    """Execute ``code`` in the kernel; its stdout, or AssertionError with the kernel's error."""
    out: list[str] = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append(f"ERROR {msg['content']['ename']}: {msg['content']['evalue']}")

    reply = client.execute_interactive(code, output_hook=hook, timeout=60)
    assert reply["content"]["status"] == "ok", out
    return "".join(out).strip()


def edit_and_call(tmp_path: Path, argv: list[str]) -> tuple[str, str, str]:
    """Start a kernel from ``argv``, import a module, edit it, call it again.

    Returns the value before and after the edit and the loaded IPython extensions.
    """
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    spec_dir = tmp_path / "kernels" / "k"
    spec_dir.mkdir(parents=True)
    spec = {"argv": argv, "display_name": "k", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    package = tmp_path / "pkg"
    package.mkdir()
    module = package / "edited_helper.py"
    module.write_text("def value():\n    return 'before'\n", encoding="utf-8")

    manager = KernelManager(
        kernel_name="k",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]),
        transport="ipc",  # local sockets in tmp_path, nothing listening on the network
        ip=str(tmp_path / "kernel-ipc"),
    )
    env = {**os.environ, "PYTHONPATH": str(package), "PYTHONDONTWRITEBYTECODE": "1"}
    env["IPYTHONDIR"] = str(tmp_path / "ipython")
    manager.start_kernel(env=env, cwd=str(tmp_path))
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=60)
        before = run_cell(client, "import edited_helper\nprint(edited_helper.value())")
        module.write_text("def value():\n    return 'after'\n", encoding="utf-8")
        stat = module.stat()  # a later mtime even on coarse-grained file systems
        os.utime(module, (stat.st_atime, stat.st_mtime + 10))
        after = run_cell(client, "print(edited_helper.value())")
        loaded = run_cell(client, "print(sorted(get_ipython().extension_manager.loaded))")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return before, after, loaded


@pytest.mark.slow
def test_lab_kernel_picks_up_an_edited_module_without_restart(tmp_path):
    argv = lab.kernel_spec()["argv"]
    before, after, loaded = edit_and_call(tmp_path / "lab", argv)
    assert (before, after) == ("before", "after")
    assert "autoreload" in loaded
    # The control: a plain kernel (what papermill runs) keeps the module it imported.
    plain = edit_and_call(tmp_path / "plain", argv[:5])
    assert plain[:2] == ("before", "before") and "autoreload" not in plain[2]


# --- JupyterLab end to end --------------------------------------------------------------------

# Every notebook is done: the kernel is idle, some cell has run, and none is queued ("[*]").
RUN_FINISHED_JS = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
    if (!panel || !indicator) return false;
    const prompts = Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
        .map(p => p.textContent);
    return indicator.dataset.status === 'idle' && prompts.some(t => /\\[\\d+\\]/.test(t))
        && !prompts.some(t => t.includes('*'));
}"""
KERNEL_READY_JS = f"""() => Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
    .some(item => item.textContent.trim() === {json.dumps(lab.DISPLAY_NAME + " | Idle")})"""
RUN_STARTED_JS = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'
)).some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""
OUTPUT_IMAGES_JS = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img'
)).map(img => img.naturalWidth)"""
LAB_SETTINGS = {
    # Every cell in the DOM (no virtual scrolling), so outputs can be counted.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # No news feed or update check: the test runs offline.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def publish_calls(name: str) -> int:
    source = (config.NOTEBOOKS_DIR / f"{name}.py").read_text(encoding="utf-8")
    return len(re.findall(r"\bplotting\.publish\(", source))


class LabServer:
    """``jupyter lab`` as ``make lab`` starts it, isolated in ``home``."""

    def __init__(self, home: Path, root: Path):
        self.home, self.root = home, root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.runtime = home / "runtime"
        self.log = home / "lab.log"
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        jupyter_path = self.home / "lab-path"
        lab.write_kernel_spec(jupyter_path)
        env = lab.lab_environment(jupyter_path)
        for key in [k for k in env if k.startswith("JUPYTER_")]:
            if key != "JUPYTER_PATH":
                del env[key]
        env["JUPYTER_PATH"] = str(jupyter_path)
        env["JUPYTER_CONFIG_DIR"] = str(self.home / "config")
        env["JUPYTER_DATA_DIR"] = str(self.home / "data")
        env["JUPYTER_RUNTIME_DIR"] = str(self.runtime)
        env["IPYTHONDIR"] = str(self.home / "ipython")
        settings = self.home / "config" / "lab" / "user-settings"
        for relative, values in LAB_SETTINGS.items():
            path = settings / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        return env

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.extension_manager=readonly",  # the default one queries PyPI
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # CI containers run as root
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env=self.environment(),
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"jupyter lab exited:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                self.api("GET", "/api/status")
                return
            time.sleep(0.3)
        raise AssertionError(f"jupyter lab did not answer in 90 s:\n{self.log_tail()}")

    def api(self, method: str, path: str) -> dict:
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else {}

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process is None:
            return
        # Graceful first: the server shuts its kernels down (they run in sessions of their own).
        with contextlib.suppress(OSError, urllib.error.URLError):
            self.api("POST", "/api/shutdown")
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=10)
                    break
        self._kill_orphan_kernels()

    def _kill_orphan_kernels(self) -> None:
        # Kernels are identified by their connection file, which lives in this test's runtime
        # folder: only processes this test started can match.
        marker = str(self.runtime).encode()
        for proc in Path("/proc").glob("[0-9]*"):
            with contextlib.suppress(OSError):
                if marker in (proc / "cmdline").read_bytes():
                    os.kill(int(proc.name), signal.SIGKILL)


def lab_dialogs(page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.jp-Dialog'))"
        ".map(d => d.innerText.slice(0, 500))"
    )


def run_in_lab(page, server: LabServer, name: str) -> list[int]:
    """Open ``name`` in Lab, Run > Run All Cells, save; returns the outputs' image widths."""
    page.goto(f"{server.url}/lab/tree/{name}.ipynb?reset&token={server.token}")
    # The status bar names the kernel once it is connected; the notebook's own indicator reads
    # "idle" before that, and a Run All given then is lost.
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000, polling=100)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    try:
        page.wait_for_function(RUN_STARTED_JS, timeout=15_000, polling=100)
        page.wait_for_function(RUN_FINISHED_JS, timeout=120_000, polling=250)
    except PlaywrightTimeout:
        raise AssertionError(f"{name}: Run All Cells did not finish; {lab_dialogs(page)}") from None
    widths = page.evaluate(OUTPUT_IMAGES_JS)
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Save Notebook(?! As)")).click()
    return widths


def saved_notebook(page, path: Path, timeout: float = 30) -> nbformat.NotebookNode:
    """The notebook as Lab saved it, once every code cell in it has run (or after ``timeout``).

    Waits with ``page.wait_for_timeout``, not ``time.sleep``: the page's requests pass through a
    Python route handler, which only runs while Playwright has control.
    """
    deadline = time.monotonic() + timeout
    nb = nbformat.read(path, as_version=4)
    while time.monotonic() < deadline:
        with contextlib.suppress(ValueError, OSError):  # a file being written is not JSON yet
            nb = nbformat.read(path, as_version=4)
            code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
            if all(c.execution_count is not None for c in code):
                return nb
        page.wait_for_timeout(300)
    return nb


@pytest.mark.slow
@pytest.mark.browser
def test_every_notebook_runs_in_jupyterlab(browser, tmp_path):
    names = [p.stem for p in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))]
    before = tree_digest(config.NOTEBOOKS_DIR)
    root = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS_DIR, root)  # copy2 keeps mtimes: jupytext compares them
    server = LabServer(tmp_path / "home", root)
    (tmp_path / "home").mkdir()
    context = None
    timings = {}
    try:
        started = time.monotonic()
        server.start()
        timings["server"] = time.monotonic() - started
        ws_origin = server.url.replace("http://", "ws://")
        watch = PageWatch(allowed=(server.url, ws_origin, "data:", "blob:"))
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        for name in names:
            started = time.monotonic()
            page = watch.attach(context.new_page())
            widths = run_in_lab(page, server, name)
            nb = saved_notebook(page, root / f"{name}.ipynb")
            page.close()
            timings[name] = time.monotonic() - started

            errors = [
                f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
                for i, c in enumerate(nb.cells)
                if c.cell_type == "code"
                for o in c.get("outputs", [])
                if o.get("output_type") == "error"
            ]
            assert errors == [], name
            never_ran = [
                i
                for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and c.source.strip() and c.execution_count is None
            ]
            assert never_ran == [], f"{name}: not saved after running\n{server.log_tail()}"
            assert len(widths) >= publish_calls(name) and all(w > 0 for w in widths), (name, widths)
        assert watch.problems() == []
    finally:
        if context is not None:
            context.close()
        server.stop()
    print("JupyterLab timings (s):", {k: round(v, 1) for k, v in timings.items()})
    assert server.process.returncode is not None
    assert tree_digest(config.NOTEBOOKS_DIR) == before, "the source notebooks were modified"
    assert not list(server.runtime.glob("kernel-*.json")), "a kernel outlived the server"
