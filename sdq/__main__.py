"""``python -m sdq`` runs the command line."""

import sys

from sdq.cli import main

sys.exit(main())
