#!/usr/bin/env python3
"""What one approval costs the machine: dateline's and PostgreSQL's CPU per write.

The fresh phase of `dateline-bench serve` measures a ratio against nginx, which swings by
±0.15 between runs of one binary on a shared 2-core machine. This counts CPU instead: it
approves N held comments of post 2 one at a time through the REST API, reads the post's page
after each (so each approval costs one rendering too), and divides the CPU that dateline and
PostgreSQL's backends used (from /proc) by N. With pg_stat_statements loaded and STATS=1 it
also prints each statement's time per write.

Needs the store a PostgreSQL run of `dateline-bench serve --pg URL` leaves (database
`dateline_bench`, account `benchadmin`, post 2 with held comments). Each run first puts post 2
back to its first 100 approved comments and vacuums, so runs compare.

    python3 crates/dateline-bench/scripts/write_cost.py target/release/dateline 300
"""
import base64
import http.client
import json
import os
import subprocess
import sys
import time

binary, n = sys.argv[1], int(sys.argv[2])
database = "dateline_bench"
url = f"postgres://postgres@127.0.0.1:5432/{database}"
port = 18081
psql = ["psql", "-qAtU", "postgres", "-h", "127.0.0.1", database, "-c"]

subprocess.run(psql + [
    "UPDATE comments SET status = 'pending', trained_as = NULL WHERE post_id = 2 AND status = 'approved' AND id NOT IN "
    "(SELECT id FROM comments WHERE post_id = 2 AND status = 'approved' ORDER BY created_at, id LIMIT 100)"], check=True)
subprocess.run(psql + ["VACUUM ANALYZE comments"], check=True)

made = subprocess.run([binary, "--db", url, "user", "app-password", "benchadmin", "write-cost"], capture_output=True, text=True, check=True)
password = made.stdout.splitlines()[0].split(": ", 1)[1].replace(" ", "")
server = subprocess.Popen([binary, "--db", url, "serve", "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    time.sleep(1.5)
    auth = "Basic " + base64.b64encode(f"benchadmin:{password}".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", port)

    def ask(method, path, body=None, signed=True):
        headers = {"Authorization": auth} if signed else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()

    held = []
    for page in range(1, 100):
        status, body = ask("GET", f"/wp-json/wp/v2/comments?status=hold&post=2&per_page=100&page={page}&_fields=id")
        found = [c["id"] for c in json.loads(body)] if status == 200 else []
        held += found
        if len(held) >= n or not found:
            break
    if len(held) < n:
        sys.exit(f"only {len(held)} held comments on post 2")
    post = "/2010/01/03/post-2/"
    for _ in range(20):
        ask("GET", post, signed=False)

    def cpu_ticks():
        ticks = {"dateline": 0, "postgres": 0}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                command = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used = int(fields[11]) + int(fields[12])
            if int(pid) == server.pid:
                ticks["dateline"] += used
            elif f"postgres {database}" in command:
                ticks["postgres"] += used
        return ticks

    subprocess.run(psql + ["SELECT pg_stat_statements_reset()"], capture_output=True)
    before, started = cpu_ticks(), time.time()
    for id in held[:n]:
        status, _ = ask("POST", f"/wp-json/wp/v2/comments/{id}", {"status": "approved"})
        assert status == 200, status
        status, _ = ask("GET", post, signed=False)
        assert status == 200, status
    after, ended = cpu_ticks(), time.time()
finally:
    server.terminate()
    server.wait()

tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
per = lambda who: (after[who] - before[who]) * tick_ms / n
print(f"{os.path.basename(binary)}: per approval and rendering: dateline {per('dateline'):.2f} ms CPU, "
      f"PostgreSQL {per('postgres'):.2f} ms CPU, {(ended - started) * 1000 / n:.2f} ms wall")
if os.environ.get("STATS"):
    query = ("SELECT round((total_exec_time + total_plan_time)::numeric / %d, 3), round(total_plan_time::numeric / %d, 3), calls, "
             "left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements "
             "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '%s') ORDER BY total_exec_time + total_plan_time DESC LIMIT 25") % (n, n, database)
    print("ms per write (run + plan) | plan | calls | statement")
    print(subprocess.run(psql + [query], capture_output=True, text=True).stdout)
