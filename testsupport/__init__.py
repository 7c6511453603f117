"""What the tests and the benchmarks share, importable without pytest (bench/ runs it as plain
scripts): the app's processes (`servers`: gunicorn, the `ngowg` command, the environment they
get), the private services a test may stop (`services`), an SMTP sink (`mail`), HTTP clients
(`http`: a browser with its cookie jar; `flask_client`: the in-process test client), signing in
(`signin`), the suite's keys (`keys`), the worlds several tests build (`worlds`), and the one
independent reference of who may see what (`visibility`, with the canary values of `canaries`).

`visibility` and `canaries` import nothing of ngowg_directory; the app imports nothing of this
package (.importlinter).
"""
