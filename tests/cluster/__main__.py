"""`python -m tests.cluster`: run the multi-node fault drill and print each step's outcome and times.

Exit status 0 when all five steps pass. `--local-folders` runs it without object storage, the nodes sharing one
media folder (for working on the drill itself: steps 1, 2 and 5 need the object store to mean anything).
CRYOVIEW_DRILL_KEEP=1 keeps the cluster's folder (logs, nginx's access log) after it stops.
"""

from __future__ import annotations

import argparse
import signal
import sys

from tests.cluster.drill import Drill


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("--local-folders", action="store_true", help="no object storage; one shared media folder")
    options = parser.parse_args()

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # unwinds through Drill.run's `finally`, which stops everything

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background (ignored)
    drill = Drill(object_storage=not options.local_folders, say=lambda text: print(text, flush=True))  # noqa: T201
    try:
        outcomes = drill.run()
    except KeyboardInterrupt:
        print("interrupted: everything the drill started is stopped", flush=True)  # noqa: T201
        return 130
    return 0 if len(outcomes) == 5 and all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
