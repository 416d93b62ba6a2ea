"""JupyterLab for writing notebooks: a kernel that picks up edits to ``helpers`` without a restart.

``make lab`` runs ``python -m helpers.lab --notebook-dir=notebooks``. It writes a kernel spec named
``python3`` (the name every notebook's metadata carries, and the one papermill runs) whose kernel
loads IPython's ``autoreload`` extension in mode 2, into a folder of its own
(``<venv>/share/helpers-lab``), and starts JupyterLab with that folder first on ``JUPYTER_PATH``.
Lab therefore opens every notebook with the autoreloading kernel, while ``make reports`` and
plain ``papermill`` keep the ordinary ``python3`` kernel: reports never depend on module reloads
in the middle of a run. Arguments are passed on to ``jupyter lab``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "KERNEL_NAME",
    "DISPLAY_NAME",
    "kernel_spec",
    "write_kernel_spec",
    "lab_jupyter_path",
    "lab_environment",
    "main",
]

KERNEL_NAME = "python3"
DISPLAY_NAME = "Python 3 (helpers)"


def kernel_spec(python: str | None = None) -> dict[str, object]:
    """The kernel.json of the autoreloading kernel.

    Parameters
    ----------
    python
        Interpreter that runs the kernel; default: this one (the project's virtual environment).
    """
    return {
        "argv": [
            python or sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--InteractiveShellApp.extensions=autoreload",
            # Mode 2 reloads every changed module before each cell, so an edited helper function
            # is used by the next cell run without restarting the kernel and rerunning the notebook.
            "--InteractiveShellApp.exec_lines=%autoreload 2",
        ],
        "display_name": DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": True},
    }


def write_kernel_spec(jupyter_path: str | Path, python: str | None = None) -> Path:
    """Write the autoreloading kernel spec into ``jupyter_path/kernels/python3/``.

    ``jupyter_path`` is a folder meant for the ``JUPYTER_PATH`` variable. ipykernel's logos are
    copied along so Lab's launcher shows the usual icon. Returns the kernel folder.
    """
    kernel_dir = Path(jupyter_path) / "kernels" / KERNEL_NAME
    kernel_dir.mkdir(parents=True, exist_ok=True)
    resources = _ipykernel_resources()
    if resources is not None:
        for logo in resources.glob("logo-*"):
            shutil.copyfile(logo, kernel_dir / logo.name)
    text = json.dumps(kernel_spec(python), indent=1, sort_keys=True) + "\n"
    (kernel_dir / "kernel.json").write_text(text, encoding="utf-8")
    return kernel_dir


def _ipykernel_resources() -> Path | None:
    try:
        import ipykernel
    except ImportError:
        return None
    folder = Path(ipykernel.__file__).parent / "resources"
    return folder if folder.is_dir() else None


def lab_jupyter_path() -> Path:
    """Where ``make lab`` keeps its kernel spec: inside the environment, apart from the one
    papermill finds (``<prefix>/share/jupyter/kernels/python3``)."""
    return Path(sys.prefix) / "share" / "helpers-lab"


def lab_environment(
    jupyter_path: str | Path, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``base`` (default: this process's environment) with ``jupyter_path`` first on
    ``JUPYTER_PATH``, so its ``python3`` kernel spec wins over the environment's."""
    env = dict(os.environ if base is None else base)
    paths = [str(jupyter_path)]
    if env.get("JUPYTER_PATH"):
        paths.append(env["JUPYTER_PATH"])
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return env


def main(argv: Sequence[str] | None = None) -> int:
    """Write the kernel spec and replace this process with ``jupyter lab ARGS...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = lab_jupyter_path()
    write_kernel_spec(path)
    command = [sys.executable, "-m", "jupyter", "lab", *args]
    os.execve(sys.executable, command, lab_environment(path))
    return 0  # not reached: execve does not return


if __name__ == "__main__":
    raise SystemExit(main())
