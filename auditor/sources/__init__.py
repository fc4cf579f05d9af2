"""Sources: turn a target (Hub id, snapshot folder, README path, weights file) into ModelFacts.

``auditor.sources.targets`` parses targets and gathers their facts; each source has its module (``local``,
``hub``, ``card``). This package imports nothing itself, so its light modules (``safefs``, ``redact``) load alone.
"""
