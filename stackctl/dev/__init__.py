"""`python -m stackctl dev`: the local dev loop (cli.py), the environment each process gets from
app/contract.json (env.py) with local values (values.py), PostgreSQL and Redis from this machine's
binaries (stores.py), and the supervised child processes (procs.py). docs/local-dev.md explains it.
"""
