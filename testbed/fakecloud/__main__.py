"""`python3 testbed/fakecloud` (a directory) or `python -m testbed.fakecloud`."""
import os
import sys

if not __package__:
    # Run as a directory: this folder is sys.path[0]; its modules must not shadow the standard library
    # (e.g. `http`), so import the folder as the package `fakecloud` from its parent instead.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    sys.path.insert(0, os.path.dirname(_here))
    from fakecloud.cli import main
else:
    from .cli import main

sys.exit(main())
