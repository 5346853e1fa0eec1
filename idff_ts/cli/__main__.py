"""``python -m idff_ts.cli``: the same as the ``idff-ts`` command."""

from idff_ts.cli import main

main()
