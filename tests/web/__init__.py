"""Tests of the web workbench: pages, API, security rules, browser flows."""
