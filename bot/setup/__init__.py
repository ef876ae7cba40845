"""The guided setup that connects a Slack workspace to a Salesforce org, one step at a time."""
