"""Custom actions (thin: the knowledge base in `bot/` does the work)."""
