"""``python -m liprobe``: the ``liprobe`` command from a checkout."""

import sys

from liprobe.cli import main

sys.exit(main())
