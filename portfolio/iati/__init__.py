"""IATI 2.03: publishing the portfolio (activities and organisation files, streamed), validating a file
against the shipped XSD and the IATI Validator's data-quality rules, and importing activities back through
the project write path. The mapping between this model and IATI is in `codes.py` and docs/iati.md."""
