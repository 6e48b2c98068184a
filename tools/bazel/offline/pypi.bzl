"""`pypi_repository`: `@pypi` for the offline Bazel run, built from an installed virtualenv."""

def _pypi_repository_impl(rctx):
    rctx.symlink(rctx.attr.venv, "venv")
    prefix = "venv/" + rctx.attr.site_packages
    result = rctx.execute(
        [rctx.attr.python, rctx.path(rctx.attr._generator), rctx.path(prefix), ".", prefix],
        quiet = True,
    )
    if result.return_code != 0:
        fail("generating @pypi failed:\n" + result.stdout + result.stderr)

pypi_repository = repository_rule(
    implementation = _pypi_repository_impl,
    attrs = {
        "python": attr.string(mandatory = True, doc = "interpreter with `packaging` installed"),
        "site_packages": attr.string(mandatory = True, doc = "site-packages, relative to venv"),
        "venv": attr.string(mandatory = True, doc = "absolute path of the virtualenv"),
        "_generator": attr.label(default = "//tools/bazel:offline/pypi.py"),
    },
    doc = "One py_library per installed distribution, with its RECORD files and Requires-Dist.",
    local = True,
)
