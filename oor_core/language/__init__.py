"""Prompt language: where a prompt names its objects, and which of them it places."""
