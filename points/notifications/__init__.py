"""Telling members what happened and what to do next: the inbox, SMS and email."""
