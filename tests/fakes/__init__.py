"""In-process stand-ins (fake web server and the like) for tests and benchmarks."""
