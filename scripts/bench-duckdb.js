#!/usr/bin/env node
// bench-duckdb.js - DuckDB's side of the rows benchmark (scripts/bench.sh).
//
//   node scripts/bench-duckdb.js MODULES RES N CSV PAGES PEOPLE DB THREADS
//                                RUNS BUDGET
//
// MODULES is the node_modules directory holding @duckdb/node-api (the
// benchmark installs it into build/bench-node/), RES the results
// directory, N the row count (for the keys), CSV the rows with a header,
// PAGES and PEOPLE the join tables (no header), DB the database file to
// create (replaced), THREADS 1 or "default" (the engine's own choice).
//
// The same four workloads as the sqlite3 peer, in one process (the
// engine's start is not timed, as sqlite3's is negligible):
//
//   ingest    CREATE TABLE events AS SELECT * FROM read_csv(...) and a
//             CHECKPOINT (durable, as cjafs's commit and sqlite3's)
//   readback  COPY events TO a file, with the header
//   rowscsv   the data view's joins, filter and session starts, COPY to a
//             file (bench.sh's Q_VIEWS and Q_ROWS)
//   report    the group-by of report/category.csv: occurrences, distinct
//             people and distinct sessions per category (Q_REPORT)
//
// Each workload runs once as a warm-up, whose output goes to
// RES/KEY.out for the benchmark's checks, then up to RUNS times, as many
// as fit in BUDGET seconds, exactly as run_side in bench.sh: times go to
// RES/KEY.t, the count to RES/KEY.n ("1*": the warm-up alone).  KEY is
// WORKLOAD_dk1_N (one thread) or WORKLOAD_dkd_N (default threads).
// The columns are text, as in sqlite3's table and cjafs's CSV, so that
// reading back gives the same bytes.
'use strict';

const fs = require('fs');
const path = require('path');

const [modules, res, n, csv, pages, people, dbfile, threads, runsArg,
	budgetArg] = process.argv.slice(2);
if (!budgetArg) {
	process.stderr.write('usage: bench-duckdb.js MODULES RES N CSV PAGES ' +
		'PEOPLE DB THREADS RUNS BUDGET\n');
	process.exit(2);
}
const { DuckDBInstance } = require(path.join(modules, '@duckdb/node-api'));
const RUNS = parseInt(runsArg, 10);
const BUDGET = parseFloat(budgetArg);
const tag = threads === '1' ? 'dk1' : 'dkd';
const lit = (s) => "'" + String(s).replace(/'/g, "''") + "'";

// sqlite3's strftime('%s', 'now', '-13 months'): the same day and time
// thirteen months back, in UTC, fixed once for every run
const now = new Date();
const back = new Date(now);
back.setUTCMonth(back.getUTCMonth() - 13);
const NOW = Math.floor(now.getTime() / 1000);
const FROM = Math.floor(back.getTime() / 1000);

const COLS = "{'person_id': 'VARCHAR', 'timestamp': 'VARCHAR', " +
	"'page': 'VARCHAR', 'event': 'VARCHAR', 'value': 'VARCHAR'}";
const Q_VIEWS = `
CREATE OR REPLACE TEMP VIEW base AS SELECT e.rowid AS rid, e.person_id,
  e.event,
  CAST(epoch(strptime(e.timestamp, '%Y-%m-%dT%H:%M:%SZ')) AS BIGINT) AS t,
  coalesce(l.category, '') AS category, coalesce(p.segment, '') AS segment,
  coalesce(p.country, '') AS country
  FROM events e LEFT JOIN pages l ON l.page = e.page
  LEFT JOIN people p ON p.person_id = e.person_id;
CREATE OR REPLACE TEMP VIEW f AS SELECT * FROM base
  WHERE t >= ${FROM} AND t <= ${NOW}
    AND (country != 'FR' OR segment = 'gold') AND event != 'scroll';
CREATE OR REPLACE TEMP VIEW g AS SELECT *,
  LAG(t) OVER (PARTITION BY person_id ORDER BY t, rid) AS prev FROM f;
CREATE OR REPLACE TEMP VIEW s AS SELECT *,
  CASE WHEN prev IS NULL OR t - prev > 1800 THEN 1 ELSE 0 END AS starts
  FROM g;
CREATE OR REPLACE TEMP VIEW ss AS SELECT *, SUM(starts) OVER
  (PARTITION BY person_id ORDER BY t, rid ROWS UNBOUNDED PRECEDING) AS sess
  FROM s;`;
const Q_ROWS = `SELECT category, event, segment, 1, person_id, starts
  FROM s ORDER BY rid`;
const Q_REPORT = `SELECT category AS item, count(*) AS events,
  count(DISTINCT person_id), count(DISTINCT person_id || '#' || sess)
  FROM ss GROUP BY item ORDER BY events DESC, item`;
// as sqlite3 -list: no quotes around empty or plain values
const PLAIN = "(HEADER false, DELIMITER ',', QUOTE '', ESCAPE '')";

function secs(t0) {
	return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main() {
	for (const f of [dbfile, dbfile + '.wal'])
		fs.rmSync(f, { force: true });
	const opts = threads === '1' ? { threads: '1' } : {};
	const inst = await DuckDBInstance.create(dbfile, opts);
	const con = await inst.connect();
	const scratch = path.join(res, `duck-${tag}.tmp`);

	await con.run(`CREATE TABLE pages AS SELECT * FROM read_csv(${lit(pages)},
		header = false, columns = {'page': 'VARCHAR', 'category': 'VARCHAR'})`);
	await con.run(`CREATE TABLE people AS SELECT * FROM read_csv(${lit(people)},
		header = false, columns = {'person_id': 'VARCHAR',
		'segment': 'VARCHAR', 'country': 'VARCHAR'})`);

	const work = {
		ingest: {
			prep: async () => {
				await con.run('DROP TABLE IF EXISTS events');
				await con.run('CHECKPOINT');
			},
			run: async () => {
				await con.run(`CREATE TABLE events AS SELECT * FROM
					read_csv(${lit(csv)}, header = true,
					columns = ${COLS})`);
				await con.run('CHECKPOINT');
			},
		},
		readback: {
			run: async (out) => con.run(`COPY events TO ${lit(out)}
				(HEADER true, DELIMITER ',')`),
		},
		rowscsv: {
			run: async (out) => con.run(`COPY (${Q_ROWS}) TO ${lit(out)}
				${PLAIN}`),
		},
		report: {
			run: async (out) => con.run(`COPY (${Q_REPORT}) TO
				${lit(out)} ${PLAIN}`),
		},
	};
	await con.run('SET TimeZone = \'UTC\'');
	for (const [name, w] of Object.entries(work)) {
		const key = `${name}_${tag}_${n}`;
		if (name === 'rowscsv')
			await con.run(Q_VIEWS);
		const once = async (out) => {
			if (w.prep)
				await w.prep();
			fs.rmSync(out, { force: true });
			const t0 = process.hrtime.bigint();
			await w.run(out);
			return secs(t0);
		};
		const warm = await once(path.join(res, key + '.out'));
		let k = warm > 0 ? Math.floor(BUDGET / warm) : RUNS;
		k = Math.min(k, RUNS);
		const times = [];
		for (let i = 0; i < k; i++)
			times.push(await once(scratch));
		fs.rmSync(scratch, { force: true });
		if (k < 1) {
			times.push(warm);
			fs.writeFileSync(path.join(res, key + '.n'), '1*\n');
		} else {
			fs.writeFileSync(path.join(res, key + '.n'), k + '\n');
		}
		fs.writeFileSync(path.join(res, key + '.t'),
			times.map((t) => t.toFixed(6) + '\n').join(''));
	}
	const v = await con.runAndReadAll('SELECT version()');
	fs.writeFileSync(path.join(res, 'duckdb.version'),
		String(v.getRows()[0][0]) + '\n');
	const th = await con.runAndReadAll("SELECT current_setting('threads')");
	fs.writeFileSync(path.join(res, `duckdb.${tag}.threads`),
		String(th.getRows()[0][0]) + '\n');
	con.disconnectSync();
	inst.closeSync();
}

main().catch((e) => {
	process.stderr.write(`bench-duckdb: ${e.stack || e}\n`);
	process.exit(1);
});
