#!/usr/bin/env python3
"""gen-rows.py - write N event rows as CSV (with a header) to stdout.

    scripts/gen-rows.py 1000000 > rows.csv
    scripts/gen-rows.py --wide 768 1000000 > wide.csv

Columns: person_id,timestamp,page,event,value (about 60 bytes a row):
200,000 people picked at random, timestamps moving forward through 2026
by 0-2 seconds a row, pages out of a small site with 5,000 product pages,
five event types and a random amount.  Random, but seeded: the same N
always gives the same file.  zstd level 1 compresses it about 4 times,
in the range of real event exports (a more regular file would flatter
the store's compression).

--wide BYTES makes the value column BYTES random bytes in base64 (768
gives 1,024 characters, rows of about 1,080 bytes): rows that do not
compress, for stores whose rows take more room than one file holds.
The other columns are as without it, drawn from another sequence.
"""
import base64
import random
import sys

PAGES = ["/", "/products", "/cart", "/checkout", "/search", "/account",
         "/help/faq", "/blog/%d", "/products/item-%d", "/products/item-%d"]
EVENTS = ["page_view", "click", "add_to_cart", "purchase", "scroll"]


def main():
    args = sys.argv[1:]
    wide = 0
    if args[:1] == ["--wide"]:
        wide = int(args[1])
        args = args[2:]
    n = int(args[0]) if args else 1000000
    rnd = random.Random(20261123)
    t = 1767225600  # 2026-01-01T00:00:00Z
    out = sys.stdout
    out.write("person_id,timestamp,page,event,value\n")
    buf = []
    for _ in range(n):
        t += rnd.randrange(3)
        day, rem = divmod(t - 1767225600, 86400)
        page = rnd.choice(PAGES)
        if "%d" in page:
            page = page % rnd.randrange(5000)
        if wide:
            buf.append("p%07d,2026-%02d-%02dT%02d:%02d:%02dZ,%s,%s,%s\n" % (
                rnd.randrange(200000), 1 + day // 28 % 12, 1 + day % 28,
                rem // 3600, rem // 60 % 60, rem % 60, page,
                rnd.choice(EVENTS),
                base64.b64encode(rnd.randbytes(wide)).decode()))
        else:
            buf.append("p%07d,2026-%02d-%02dT%02d:%02d:%02dZ,%s,%s,%d.%02d\n" % (
                rnd.randrange(200000), 1 + day // 28 % 12, 1 + day % 28,
                rem // 3600, rem // 60 % 60, rem % 60, page,
                rnd.choice(EVENTS), rnd.randrange(500), rnd.randrange(100)))
        if len(buf) == 10000:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))


if __name__ == "__main__":
    main()
