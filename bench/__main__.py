"""Run every benchmark against `<DATABASE_URL's database>_bench` and print the figures."""

import argparse

from bench import foundation, imports, ogc, printing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=170_000)
    parser.add_argument("--repeat", type=int, default=7, help="Runs per timed step (the median is quoted).")
    args = parser.parse_args()
    foundation.run(households=args.households, repeat=args.repeat)
    imports.run(households=args.households, repeat=args.repeat)
    printing.run(households=args.households, repeat=args.repeat)
    ogc.run(households=args.households, repeat=args.repeat)


main()
