"""Programs the export tests run on besides the seeds: the default campaign's best meta-validated
program as README.md prints it (``quick_meta.txt``), and a long discovered-looking program
(``long_walk.txt``)."""

from pathlib import Path

PROGRAMS = Path(__file__).parent
