"""`py_service_image`: a py_binary as an OCI image, with load and push targets.

aspect's `oci_python_image` layout: `py_image_layer` splits the binary's runfiles into a
dependency layer (the interpreter and pip packages) and a layer with our code, so a code change
pushes a small layer; `oci_image` puts them on the Python base image pulled by digest
(`@python_base`, MODULE.bazel), as user 65532, with the binary's launcher as entrypoint.
`<name>_push` pushes to `<registry>/<repository>`, the registry from `--//tools/bazel:registry`
(default the k3d cluster's registry); `bazel run <name>_push -- --repository R --tag T`
overrides both at run time.
"""

load("@aspect_rules_py//py:defs.bzl", "py_image_layer")
load("@bazel_skylib//rules:common_settings.bzl", "BuildSettingInfo")
load("@rules_oci//oci:defs.bzl", "oci_image", "oci_load", "oci_push")
load("@rules_python//python:defs.bzl", "py_binary")

# Runfiles of the rules_python repositories (the hermetic interpreter and every pip package);
# everything else (our `_main` tree) lands in the code layer.
DEPS_LAYER = "\\.runfiles/rules_python[~+]"

ROOT = "/app"
USER = "65532:65532"

def _repository_file_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    registry = ctx.attr._registry[BuildSettingInfo].value
    ctx.actions.write(out, "%s/%s\n" % (registry, ctx.attr.repository))
    return [DefaultInfo(files = depset([out]))]

_repository_file = rule(
    implementation = _repository_file_impl,
    attrs = {
        "repository": attr.string(mandatory = True),
        "_registry": attr.label(default = "//tools/bazel:registry"),
    },
    doc = "Writes `<registry>/<repository>` for oci_push's `repository_file`.",
)

def _launcher(binary):
    """Path of a py_binary of the calling package in the image (`:name` -> /app/<pkg>/name)."""
    if not binary.startswith(":"):
        fail("binary must be a target of this package, `:name`, got " + binary)
    return "%s/%s/%s" % (ROOT, native.package_name(), binary[1:])

def py_module_image(name, deps, repository, **kwargs):
    """The image of the calling package's `python -m <package>`.

    Adds py_binary `python` (this package's `__main__.py` and `deps`); in the image it is the
    entrypoint and the `python` on PATH, so the manifests' commands (`python -m
    services.pipeline --max 20`) get the packages `deps` declare and no others.

    Args:
      name: `image` by convention.
      deps: the libraries `__main__.py` needs.
      repository: image repository without registry.
      **kwargs: passed to py_service_image.
    """
    py_binary(
        name = "python",
        srcs = [
            "__main__.py",
            "//tools/bazel:python_main.py",
        ],
        main = "//tools/bazel:python_main.py",
        deps = deps,
    )
    py_service_image(
        name = name,
        binary = ":python",
        repository = repository,
        cmd = ["-m", native.package_name().replace("/", ".")],
        **kwargs
    )

def py_service_image(
        name,
        binary,
        repository,
        cmd = [],
        env = {},
        tag = "dev",
        base = "@python_base_linux_amd64",
        **kwargs):
    """`<name>` (oci_image), `<name>_load` (into Docker) and `<name>_push` (to a registry).

    Args:
      name: `image` by convention.
      binary: the service's py_binary.
      repository: image repository without registry, e.g. `online-learning/model`.
      cmd: arguments after the entrypoint.
      env: extra environment of the container.
      tag: tag of the loaded image and default tag of the pushed one.
      base: the base image, pulled by digest in MODULE.bazel.
      **kwargs: common attributes (visibility, tags).
    """
    entrypoint = _launcher(binary)
    oci_image(
        name = name,
        base = base,
        tars = py_image_layer(
            name = name + "_layers",
            binary = binary,
            root = ROOT + "/",
            layer_groups = {"deps": DEPS_LAYER},
            # Owned by the container's user: Tilt's live_update writes into the source tree.
            owner = "65532",
            group = "65532",
            **kwargs
        ),
        entrypoint = [entrypoint],
        cmd = cmd,
        # The binary's runfiles hold the repository tree the manifests' commands expect.
        workdir = entrypoint + ".runfiles/_main",
        user = USER,
        env = dict({
            # `python -m services.<name>` from the working directory, as the manifests run it.
            "PATH": "%s:/usr/local/bin:/usr/bin:/bin" % entrypoint.rpartition("/")[0],
            "PYTHONUNBUFFERED": "1",
        }, **env),
        **kwargs
    )
    oci_load(
        name = name + "_load",
        image = ":" + name,
        repo_tags = ["%s:%s" % (repository, tag)],
        **kwargs
    )
    _repository_file(
        name = name + "_repository",
        repository = repository,
        **kwargs
    )
    oci_push(
        name = name + "_push",
        image = ":" + name,
        repository_file = ":" + name + "_repository",
        remote_tags = [tag],
        **kwargs
    )
