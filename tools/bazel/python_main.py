"""``python`` inside our images: ``python -m <module> [args]`` over a py_binary's dependencies.

The images' entrypoint and the manifests' commands (``python -m services.pipeline --max 20``)
run this py_binary's launcher, so the module runs with exactly the packages its BUILD
file declares, on the image's interpreter.
"""

import runpy
import sys


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "-m":
        print(f"usage: {argv[0]} -m MODULE [ARG ...]", file=sys.stderr)
        return 2
    sys.argv = argv[2:]
    runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
