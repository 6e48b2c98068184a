"""`@aspect_rules_py//py:defs.bzl` for the offline run: `py_image_layer` as plain tars.

Each group is one uncompressed tar of the binary's runfiles laid out as in the real rule
(`<root><package>/<binary>` and its `.runfiles` tree). `deps` holds the external repositories
(`@pypi`, the interpreter wrapper), `default` our code. The real rule matches `layer_groups`
regexes against Bazel 7 runfiles paths; here the split is by repository. Marked `manual`:
`bazel build //...` would otherwise write every image's packages to disk.
"""

def _layer_impl(ctx):
    binary = ctx.attr.binary
    launcher = ctx.executable.binary
    prefix = "%s%s/%s" % (ctx.attr.root, ctx.label.package, launcher.basename)
    lines = []
    for f in binary[DefaultInfo].default_runfiles.files.to_list():
        external = f.short_path.startswith("../")
        if external != (ctx.attr.group == "deps"):
            continue
        rel = f.short_path[3:] if external else ctx.workspace_name + "/" + f.short_path
        lines.append("%s.runfiles/%s\t%s" % (prefix, rel, f.path))
    if ctx.attr.group != "deps":
        lines.append("%s\t%s" % (prefix, launcher.path))
    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")
    ctx.actions.write(manifest, "\n".join(lines) + "\n")
    out = ctx.actions.declare_file(ctx.label.name + ".tar")
    ctx.actions.run(
        outputs = [out],
        inputs = depset([manifest, launcher], transitive = [binary[DefaultInfo].default_runfiles.files]),
        executable = ctx.executable._tool,
        arguments = ["layer", manifest.path, out.path, ctx.attr.owner or "0", ctx.attr.owner_group or "0"],
        mnemonic = "ImageLayer",
    )
    return [DefaultInfo(files = depset([out]))]

_layer = rule(
    implementation = _layer_impl,
    attrs = {
        "binary": attr.label(executable = True, cfg = "target", mandatory = True),
        "group": attr.string(mandatory = True),
        "owner": attr.string(),
        "owner_group": attr.string(),
        "root": attr.string(default = "/"),
        "_tool": attr.label(default = "@offline_tools//:oci", executable = True, cfg = "exec"),
    },
)

def py_image_layer(name, binary, root = "/", layer_groups = {}, owner = None, group = None, **kwargs):
    """The `deps` and `default` layers of `binary`, as `[":<name>_deps", ":<name>_default"]`.

    Args:
      name: prefix of the layer targets.
      binary: the py_binary.
      root: where the binary sits in the image.
      layer_groups: must be `{"deps": ...}`; the split here is by repository.
      owner: uid of the files.
      group: gid of the files.
      **kwargs: common attributes.

    Returns:
      The layer targets, dependencies first.
    """
    kwargs["tags"] = kwargs.get("tags", []) + ["manual"]
    if sorted(layer_groups) != ["deps"]:
        fail("the offline py_image_layer knows the `deps` group only, got %s" % layer_groups)
    layers = []
    for layer in ["deps", "default"]:
        _layer(
            name = "%s_%s" % (name, layer),
            binary = binary,
            group = layer,
            owner = owner,
            owner_group = group,
            root = root,
            **kwargs
        )
        layers.append(":%s_%s" % (name, layer))
    return layers
