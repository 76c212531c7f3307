"""ClusterLab's entry point: ``python main.py [--page NAME] [--screenshot PATH]``."""

import sys

from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
