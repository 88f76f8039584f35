"""lossx's test suite (see tests/README.md): a package, so that test modules and helpers import each other as
``tests.…``."""
