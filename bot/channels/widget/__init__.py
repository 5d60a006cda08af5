"""The website chat widget: its TypeScript sources, build and the channel serving it (channel.py)."""
