"""The commands of `evireg`, one module per group; importing a module registers its commands on
the app of cli/app.py (cli/main.py imports them all, in the order `evireg --help` lists them)."""
