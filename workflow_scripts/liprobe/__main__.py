"""``python -m liprobe``: the ``liprobe`` command from a checkout."""

import sys

from liprobe.cli import main

if __name__ == "__main__":
    sys.exit(main())
