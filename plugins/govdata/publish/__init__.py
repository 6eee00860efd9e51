"""开放 — publication of open datasets: derivation, masking, leak guard, versions, exports, metadata, access."""
