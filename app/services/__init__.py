"""The operations of the app; each owns its transaction and its files."""
