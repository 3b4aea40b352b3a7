//! Cross-check against the official 1EdTech JSON Schemas (offline; from `--spec-dir`).
