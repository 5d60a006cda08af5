"""What a running replica tells its operators: Prometheus counters (`metrics`, served at GET /metrics
by the input channel bot/channels/metrics.py) and JSON log lines (`logging_json`, LOG_FORMAT=json).

This file imports nothing: the action server configures JSON logging without loading
prometheus_client.
"""
