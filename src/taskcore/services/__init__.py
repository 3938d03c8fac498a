"""Use cases, one module per area. Each checks authorization itself."""
