"""``make bazel-offline``: the Bazel build graph built and tested on a machine without internet.

The project's ``MODULE.bazel`` needs Bazel 7+ and registry downloads (rules_python, rules_oci,
aspect_rules_py). This package runs the same BUILD files on Debian's Bazel 4.2.3
(``/usr/bin/bazel-4``) over a copy of the tree with a generated ``WORKSPACE``: local stand-ins
for the rule sets (:mod:`tools.bazel.offline.workspace`), ``@pypi`` from the locked virtualenv
with each distribution's ``Requires-Dist`` edges (:mod:`tools.bazel.offline.pypi`), and tests on
the base interpreter with ``-S`` (no site-packages), so a dependency missing from a BUILD file
fails the build or the test that needs it.
"""
