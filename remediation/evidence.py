"""Checking evidence files (tài liệu kiểm chứng): the checks live in ``agencies.files``."""

from agencies.files import ALLOWED, sha256_of, sniff, validate_evidence

__all__ = ["ALLOWED", "sha256_of", "sniff", "validate_evidence"]
