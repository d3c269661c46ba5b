"""The course's benchmarks (``make bench``): run from the top folder as ``python -m benchmarks.<name>``."""
