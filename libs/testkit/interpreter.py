"""How tests start Python children (services, the job) so they import what the test imports.

Under pytest the interpreter is the virtualenv's; under Bazel it is the toolchain's, with the
test's dependencies only on ``sys.path`` (from its runfiles). Children get this process's
interpreter, its ``-S`` flag and its ``sys.path`` as ``PYTHONPATH``, and run from
:data:`REPO_ROOT`, which under Bazel is the runfiles tree: a dependency missing from a BUILD
file fails the child's import there, as it would in the image.
"""

import os
import sys
from pathlib import Path

# absolute(), not resolve(): the runfiles tree is made of symlinks into the source tree, and
# resolving them would let children import every module of the checkout.
REPO_ROOT = Path(os.path.abspath(__file__)).parents[2]


def python_command(module: str, *args: str) -> list[str]:
    """``argv`` running ``python -m module args`` on this interpreter, with its site flag.

    Examples
    --------
    >>> python_command("services.model")[-2:]
    ['-m', 'services.model']
    >>> python_command("services.model")[0] == sys.executable
    True
    """
    site = ["-S"] if sys.flags.no_site else []
    return [sys.executable, *site, "-m", module, *args]


def python_path() -> dict[str, str]:
    """``{"PYTHONPATH": ...}`` carrying this process's module search path to a child.

    Examples
    --------
    >>> str(REPO_ROOT) in python_path()["PYTHONPATH"].split(os.pathsep)
    True
    """
    entries = [str(REPO_ROOT), *(p for p in sys.path if p)]
    return {"PYTHONPATH": os.pathsep.join(dict.fromkeys(entries))}
