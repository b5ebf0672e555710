#!/usr/bin/env python3
"""cgcalls.py - calls and inclusive cost of functions in a callgrind profile.

    tests/bench/cgcalls.py callgrind.out FUNCTION...

For each FUNCTION prints "FUNCTION CALLS INCLUSIVE_IR": the number of calls
made to it and the instructions executed inside it and everything it
called, summed over every call site (callgrind's call arcs).  The profile
must be written with --compress-strings=no --compress-pos=no (so every
cfn= line carries the name) and count Ir as its first event.  Compiler
clones (policy_check.isra.0, .constprop.N) count as the function.
Recursive calls of a function into itself are not counted twice.
"""
import sys


def base(name):
    """policy_check.isra.0 -> policy_check"""
    return name.strip().split(".", 1)[0]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    want = set(sys.argv[2:])
    calls = dict.fromkeys(want, 0)
    cost = dict.fromkeys(want, 0)
    fn = None
    cfn = None
    pending = None  # the cfn of a calls= line whose cost line comes next
    with open(sys.argv[1], errors="replace") as f:
        for line in f:
            if pending is not None:
                parts = line.split()
                if len(parts) >= 2:
                    cost[pending] += int(parts[1])
                pending = None
                continue
            if line.startswith("fn="):
                fn = base(line[3:])
            elif line.startswith("cfn="):
                cfn = base(line[4:])
            elif line.startswith("calls="):
                if cfn in want and cfn != fn:
                    calls[cfn] += int(line[6:].split()[0])
                    pending = cfn
    for name in sys.argv[2:]:
        print(name, calls[name], cost[name])


if __name__ == "__main__":
    main()
