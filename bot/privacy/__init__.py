"""Personal data in the conversations: the tracker store read without Rasa, erasure, access,
retention, and the redaction of e-mail addresses and phone numbers.

- `store`: the tracker store opened with SQLAlchemy Core (`open_store`, `engine`, `events_table`,
  `StoreError`), shared with the operators' report (bot/tools/report.py);
- `erasure`: one person's conversation deleted (`forget`, right to erasure) or exported (`export`,
  right of access);
- `retention`: conversations idle longer than RETENTION_DAYS deleted (`purge`), their anonymous
  daily counts kept (`daily_counts`);
- `redact`: `[email]` / `[phone]` in visitor text, before storage and in the report;
- `cli`: `python -m bot.cli forget | export | purge`.

Nothing here imports Rasa or the report, and this file imports nothing: a process that only
redacts does not load SQLAlchemy.
"""
