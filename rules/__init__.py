"""Policy as data: YAML policy files, the condition language and the durable-rules engine.

Entry points: ``rules.registry.current_policy()`` for the policy in force, ``rules.loader.load_policy``
and ``rules.loader.policy_from_files`` to load one, ``Policy.evaluate`` to find the rules an event triggers.
Only ``rules.engine`` imports durable-rules.
"""
