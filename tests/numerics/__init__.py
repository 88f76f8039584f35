"""Numerical results: the cross-backend matrix, extremes, half precision, properties, conformance, numerical notes,
array API."""
