import os
import subprocess
import sys

from libs.testkit import REPO_ROOT, python_path

SERVER_SIDE = ("fastapi", "starlette", "uvicorn", "redis", "libs.serving")


def test_the_job_imports_nothing_only_the_services_need():
    code = (
        "import sys, services.pipeline.__main__; "
        f"print(sorted(m for m in {SERVER_SIDE!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**os.environ, **python_path()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
