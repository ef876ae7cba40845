"""The sync engine: keeps every ``sf_*`` table equal to the org.

``cycle`` runs one cycle of one workspace from top to bottom (locks, plan, read, write,
record); ``plan`` decides per object what to read and how; ``convert`` turns Salesforce's
text into column values; ``pages`` overlaps reading the next page with writing this one;
``failures`` names the kinds of failure that status and alerts tell apart. Reading lives
in ``bot.salesforce`` and every SQL statement in ``storage``.
"""
