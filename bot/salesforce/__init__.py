"""Everything syncbot knows about Salesforce; ``gateway`` is the one door to simple-salesforce."""
