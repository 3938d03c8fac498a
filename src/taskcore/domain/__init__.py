"""Entities, value objects, domain events and the rules that keep them valid."""
