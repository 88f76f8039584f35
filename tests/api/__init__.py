"""The public API: errors, configuration, custom losses, imports, catalogue, mapping page, lossx.testing, README."""
