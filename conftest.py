"""Makes the repository root importable (``from libs... import``) under plain pytest."""
