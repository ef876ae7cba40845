"""Tests of the built-in Salesforce simulator (bot/simulator) driven by the real simple-salesforce."""
