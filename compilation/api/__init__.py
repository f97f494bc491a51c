"""The JSON API under /api/v1/: the pages' QuerySets and services, for the province's other systems."""
