"""``feast`` in the feature server's image: Feast's command line (``serve``, ``apply``)."""

from feast.cli.cli import cli

if __name__ == "__main__":
    cli()
