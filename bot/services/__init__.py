"""Use-cases, one module per area: rules and decisions, no Discord and no SQL strings."""
