"""ClusterLab's entry point: ``python main.py [--page NAME] [--screenshot PATH]``.

This is also the script the standalone bundle is frozen from (packaging/build_bundle.py).
"""

import sys


def _main() -> int:
    # The bundle is a windowed app on Windows and macOS: started without a console it has no
    # stdout/stderr (None), and a library writing there must not crash it.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            import os

            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    if sys.argv[1:] == ["--version"]:  # answer before Qt, pyqtgraph and the pages are imported
        from core import __version__

        print(f"ClusterLab {__version__}")
        return 0
    from gui.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(_main())
