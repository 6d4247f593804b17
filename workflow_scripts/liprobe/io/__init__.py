"""I/O layer: the only part of liprobe that touches files."""
