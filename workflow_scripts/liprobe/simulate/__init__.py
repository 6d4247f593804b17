"""Forward models that write realistic raw files for the demo campaign and tests."""
