"""labkit: the helper package behind Architecture Patterns Lab."""
