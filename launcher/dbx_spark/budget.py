"""The workspace budget split between a wave's tasks, and how a wave is cut into shards."""

import json

# The workspace budget (its published limits, `scan`'s defaults), split between a wave's tasks:
# every rate / tasks, and `max_in_flight` and `concurrency` (users in flight) // tasks.
DEFAULT_LIMITS = {"workspace": 50.0, "dbfs": 30.0, "scim": 255.0 / 60.0, "export": 60.0,
                  "max_in_flight": 16, "concurrency": 32}
COUNTS = ("max_in_flight", "concurrency")


def merged_limits(limits):
    """`limits` over the defaults (a missing family is its published limit)."""
    merged = dict(DEFAULT_LIMITS)
    merged.update({k: v for k, v in (limits or {}).items() if v is not None})
    return merged


def max_tasks(limits):
    """The most tasks a wave may run at once: each needs at least one request and one user in
    flight, and together they must stay within `max_in_flight` and `concurrency`."""
    merged = merged_limits(limits)
    return max(1, min(int(merged["max_in_flight"]), int(merged["concurrency"])))


def budget_args(limits, tasks, worker_args=()):
    """The worker flags giving one of `tasks` concurrent tasks its share of the workspace budget:
    every family's rate / tasks (`--rate-limit workspace=12.5`), `--max-in-flight cap // tasks`
    and `--concurrency max(1, concurrency // tasks)`, so the tasks' sums never exceed the budget
    (`tasks` must be at most `max_tasks`). A flag the host already puts in `worker_args` is left
    to it (it comes later and wins)."""
    merged = merged_limits(limits)
    tasks = max(1, min(int(tasks), max_tasks(limits)))
    args = []
    for family in sorted(k for k in merged if k not in COUNTS):
        args += ["--rate-limit", "%s=%r" % (family, float(merged[family]) / tasks)]
    if "--max-in-flight" not in worker_args:
        args += ["--max-in-flight", str(max(1, int(merged["max_in_flight"]) // tasks))]
    if "--concurrency" not in worker_args:
        args += ["--concurrency", str(max(1, int(merged["concurrency"]) // tasks))]
    return args


# Shards per concurrent slot on classic Spark (see Runner.wave).
OVERSPLIT = 4


def split_jobs(jobs, partitions):
    """Round-robin shards: min(partitions, len(jobs)) non-empty lists of job JSON lines."""
    n = max(1, min(int(partitions or 1), len(jobs)))
    shards = [[] for _ in range(n)]
    for k, job in enumerate(jobs):
        shards[k % n].append(job if isinstance(job, str) else json.dumps(job, separators=(",", ":")))
    return shards


def murmur3_int(value, seed=42):
    """Spark's `hash()` of an int column (Murmur3_x86_32.hashInt, seed 42), as a signed int."""
    m = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & m

    k1 = (value & m) * 0xCC9E2D51 & m
    k1 = rotl(k1, 15) * 0x1B873593 & m
    h1 = rotl((seed & m) ^ k1, 13)
    h1 = (h1 * 5 + 0xE6546B64) & m
    h1 ^= 4
    h1 ^= h1 >> 16
    h1 = h1 * 0x85EBCA6B & m
    h1 ^= h1 >> 13
    h1 = h1 * 0xC2B2AE35 & m
    h1 ^= h1 >> 16
    return h1 - (1 << 32) if h1 & 0x80000000 else h1


def routing_keys(n):
    """For each shard p < n, an int key that `repartition(n, key)` sends to Spark partition p
    (pmod(hash(key), n) == p), so every task gets exactly one shard. Should a Spark hash
    differently, tasks still work: a task runs every shard it receives, one worker each."""
    keys, k = {}, 0
    while len(keys) < n and k < 1000 * n + 1000:
        keys.setdefault(murmur3_int(k) % n, k)
        k += 1
    return [keys.get(p, p) for p in range(n)]
