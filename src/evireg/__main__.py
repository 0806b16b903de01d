"""`python -m evireg`, and the `evireg` script: the CLI, with Ctrl-C handled from the first moment
(importing the CLI takes a noticeable fraction of a second, before cli.main can catch anything)."""

import sys


def run() -> None:
    try:
        from evireg.cli import main
    except KeyboardInterrupt:  # nothing has run yet
        sys.stderr.write("interrupted; nothing was changed\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
