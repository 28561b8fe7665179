"""Run every benchmark and print the figures (each beside its target and a peer from the same run)."""

import argparse

from bench import (
    boundaries,
    demand_report,
    demands,
    exports,
    foundation,
    hardening,
    imports,
    load,
    members,
    ogc,
    ogc_work,
    open311,
    pairing,
    printing,
    privacy,
    summary_map,
    tiles,
    web_import,
    work,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=170_000)
    parser.add_argument("--repeat", type=int, default=7, help="Runs per timed step (the median is quoted).")
    args = parser.parse_args()
    # foundation loads the county that tiles and ogc read; imports and printing make their own.
    for module in (
        foundation,
        tiles,
        privacy,
        ogc,
        ogc_work,
        imports,
        web_import,
        boundaries,
        printing,
        work,
        pairing,
        demands,
        open311,
        demand_report,
        summary_map,
        members,
        hardening,
    ):
        module.run(households=args.households, repeat=args.repeat)
    # The real stack (nginx, gunicorn, the worker) under 50 users, on the county foundation loaded.
    load.run(households=args.households, users=50, seconds=120, gunicorn="", export="households.csv")
    # A whole-county export as a job streamed from disk, beside the same export in a web worker.
    exports.run(households=args.households, exports=["households.csv", "households.gpkg"])


main()
