"""Reading the policy YAML files section by section, collecting every problem with its location."""
