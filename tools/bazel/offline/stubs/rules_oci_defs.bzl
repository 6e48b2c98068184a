"""`@rules_oci//oci:defs.bzl` for the offline run: OCI layouts and skopeo, no base image.

`oci_image` writes an OCI image layout from the layers and the container config (entrypoint,
cmd, workdir, user, env) but on no base: the base is pulled by digest from a registry, which
this machine cannot reach. `oci_push` and `oci_load` are `skopeo copy` of that layout to
`<repository>:<tag>` (the repository from `repository_file`, `-r/--repository` and
`-t/--tag` override) or into a Docker daemon. All are `manual`, as the layers are.
"""

def _image_impl(ctx):
    layout = ctx.actions.declare_directory(ctx.label.name + "_layout")
    config = ctx.actions.declare_file(ctx.label.name + ".config.json")
    ctx.actions.write(config, json.encode({
        "Cmd": ctx.attr.cmd,
        "Entrypoint": ctx.attr.entrypoint,
        "Env": ["%s=%s" % (k, v) for k, v in sorted(ctx.attr.env.items())],
        "User": ctx.attr.user,
        "WorkingDir": ctx.attr.workdir,
    }))
    ctx.actions.run(
        outputs = [layout],
        inputs = [config] + ctx.files.tars,
        executable = ctx.executable._tool,
        arguments = ["image", layout.path, config.path] + [f.path for f in ctx.files.tars],
        mnemonic = "ImageLayout",
    )
    return [DefaultInfo(files = depset([layout]))]

_image = rule(
    implementation = _image_impl,
    attrs = {
        "cmd": attr.string_list(),
        "entrypoint": attr.string_list(),
        "env": attr.string_dict(),
        "tars": attr.label_list(allow_files = [".tar"]),
        "user": attr.string(),
        "workdir": attr.string(),
        "_tool": attr.label(default = "@offline_tools//:oci", executable = True, cfg = "exec"),
    },
)

def oci_image(name, base, **kwargs):  # buildifier: disable=unused-variable
    """An OCI layout of `tars` and the config; `base` (a registry image) is not reachable here."""
    kwargs["tags"] = kwargs.get("tags", []) + ["manual"]
    _image(name = name, **kwargs)

_COPY = """#!/bin/sh
set -eu
layout="{layout}"
repository="$(cat "{repository_file}")"
tags="{tags}"
custom=""
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--repository) repository="$2"; shift 2 ;;
    -t|--tag) custom="$custom $2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -z "$custom" ] || tags="$custom"
for tag in $tags; do
  skopeo copy --quiet --dest-tls-verify=false "oci:$layout" "{scheme}$repository:$tag"
  echo "{scheme}$repository:$tag"
done
"""

def _copy_impl(ctx):
    layout = ctx.attr.image[DefaultInfo].files.to_list()[0]
    if ctx.attr.repository_file:
        repository_file = ctx.file.repository_file
    else:
        repository_file = ctx.actions.declare_file(ctx.label.name + ".repository")
        ctx.actions.write(repository_file, ctx.attr.repo_tags[0].rpartition(":")[0])
    tags = ctx.attr.remote_tags or [t.rpartition(":")[2] for t in ctx.attr.repo_tags]
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(script, _COPY.format(
        layout = layout.short_path,
        repository_file = repository_file.short_path,
        tags = " ".join(tags),
        scheme = ctx.attr.scheme,
    ), is_executable = True)
    runfiles = ctx.runfiles(files = [layout, repository_file])
    return [DefaultInfo(executable = script, runfiles = runfiles)]

_copy = rule(
    implementation = _copy_impl,
    executable = True,
    attrs = {
        "image": attr.label(mandatory = True),
        "remote_tags": attr.string_list(),
        "repo_tags": attr.string_list(),
        "repository_file": attr.label(allow_single_file = True),
        "scheme": attr.string(mandatory = True),
    },
)

def oci_push(name, **kwargs):
    """`bazel run` copies the image to `<repository>:<tag>` with skopeo."""
    kwargs["tags"] = kwargs.get("tags", []) + ["manual"]
    _copy(name = name, scheme = "docker://", **kwargs)

def oci_load(name, **kwargs):
    """`bazel run` copies the image into a Docker daemon with skopeo (needs Docker)."""
    kwargs["tags"] = kwargs.get("tags", []) + ["manual"]
    _copy(name = name, scheme = "docker-daemon:", **kwargs)
