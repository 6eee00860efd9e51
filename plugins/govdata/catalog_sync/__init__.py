"""Catalog sync to OpenMetadata: read the warehouse, plan the entities as SDK requests, diff and apply."""
