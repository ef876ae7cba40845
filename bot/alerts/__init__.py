"""Alerts: rules that turn changes of state into outbox rows, and the sender that posts them.

- :mod:`bot.alerts.rules`: run results and notable events -> outbox rows, in the caller's transaction;
- :mod:`bot.alerts.checks`: the periodic lag check and daily digest;
- :mod:`bot.alerts.sender`: outbox -> Slack, in order, once each;
- :mod:`bot.alerts.progress`: the first load's live message, edited in place (facts from :mod:`bot.alerts.load_view`);
- :mod:`bot.alerts.channel`: choosing the alert channel (``/sync channel``);
- :mod:`bot.alerts.jobs`: the scheduler jobs that run the sender, the progress and the checks.
"""
