"""Programs the export tests run on besides the seeds: the default campaign's best meta-validated
program as README.md prints it (``quick_meta.txt``), and a long discovered-looking program
(``long_walk.txt``)."""

from pathlib import Path

PROGRAMS = Path(__file__).parent


def usage_example_losses(module, name: str) -> list[float]:
    """Run the training loop an exported module's docstring shows (the user's own example code,
    as a user would paste it) and return the ``losses`` it collects."""
    import textwrap

    example = module.__doc__.split("Usage, a complete training loop")[1].split("::\n", 1)[1]
    example = textwrap.dedent(example.split("\nDepends on")[0])
    namespace = dict(vars(module))
    exec(compile(example, f"{name} usage example", "exec"), namespace)
    return namespace["losses"]
