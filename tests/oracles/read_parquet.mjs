// Reads Parquet files with an independent reader and prints them as one JSON document, so tests compare
// what datasync wrote with what DuckDB (C++) or hyparquet (JavaScript) read, value for value and type for
// type. Usage:
//   node read_parquet.mjs [--engine duckdb|hyparquet] [--hive] [--expect-synthetic | --meta-only | --no-meta]
//                         [--sql QUERY] PATH...
//   node read_parquet.mjs --serve [--engine duckdb|hyparquet]
// PATH is a file or a folder (every *.parquet below it whose name does not start with '.' or '_').
// Output: {"engine", "files", "columns": [{"name", "type"}], "rows": [[...]], "meta": [...]} where type is
// datasync's logical type name (bool, int32, int64, float64, string, date, timestamp, decimal(p,s)) or
// "other:<reader type>", and values are exact: integers, decimals, days and microseconds as strings,
// floats as their shortest round-trip text ("NaN", "Infinity", "-0"), NULL as null. Columns are the union
// by name over all files (DuckDB: union_by_name). --hive adds Hive partition columns (DuckDB only).
// --sql (DuckDB only) prints the rows of QUERY instead, where {files} stands for the read_parquet(...) of the
// files, so a test runs the query the documentation gives users.
// meta (DuckDB only) is parquet_metadata() per column chunk: compression, encodings, statistics; --no-meta
// leaves it empty (it costs more than the rows on many small files).
// --expect-synthetic compares the rows with the synthetic table of synthetic.mjs instead of printing them
// and prints {"engine", "rows", "mismatches": [...]} (the C++ test writes the same table); exit 1 on any
// difference.
// --serve keeps one process for many reads (a test binary starts it once instead of paying node's and the
// reader's start-up per read): each line on stdin is a JSON array of the arguments above (the engine given
// with --serve is the default), each answer one line on stdout, {"exit": the exit code the command line
// would have, "output": what it would print (null after an error), "error": the error's stack, or absent};
// an error is also written to stderr. The process ends at the end of stdin.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function parseArgs(args, defaultEngine = 'duckdb') {
  const o = { engine: defaultEngine, hive: false, expectSynthetic: false, metaOnly: false, noMeta: false, serve: false,
    sql: null, paths: [] };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--engine') o.engine = args[++i];
    else if (args[i] === '--hive') o.hive = true;
    else if (args[i] === '--expect-synthetic') o.expectSynthetic = true;
    else if (args[i] === '--meta-only') o.metaOnly = true;
    else if (args[i] === '--no-meta') o.noMeta = true;
    else if (args[i] === '--serve') o.serve = true;
    else if (args[i] === '--sql') o.sql = args[++i];
    else o.paths.push(args[i]);
  }
  return o;
}

function collect(path, out) {
  const st = statSync(path);
  if (st.isFile()) { out.push(path); return; }
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith('.') || name.startsWith('_')) continue;
    const full = join(path, name);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (name.endsWith('.parquet')) out.push(full);
  }
}
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function floatText(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

// A decimal leaf's raw value (INT32 number, INT64 bigint, or big-endian two's complement bytes) as a BigInt.
function unscaledOf(v) {
  if (!(v instanceof Uint8Array)) return BigInt(v);
  let u = 0n;
  for (const b of v) u = u * 256n + BigInt(b);
  if (v.length && v[0] & 0x80) u -= 1n << BigInt(8 * v.length);
  return u;
}

function decimalText(unscaled, scale) {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale === 0) return (neg ? '-' : '') + digits;
  digits = digits.padStart(scale + 1, '0');
  return (neg ? '-' : '') + digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
}

async function readDuckdb({ files, hive, metaOnly, noMeta, sql }) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const q = async (sql) => (await conn.runAndReadAll(sql)).getRows();
  const list = '[' + files.map(f => "'" + f.replaceAll("'", "''") + "'").join(', ') + ']';
  const files_source = `read_parquet(${list}, union_by_name = true, hive_partitioning = ${hive})`;
  const source = sql ? `(${sql.replaceAll('{files}', files_source)})` : files_source;
  const described = await q(`DESCRIBE SELECT * FROM ${source}`);
  const columns = [];
  const exprs = [];
  for (const [name, type] of described) {
    const id = '"' + String(name).replaceAll('"', '""') + '"';
    let ours;
    let expr = id;
    const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
    if (type === 'BOOLEAN') ours = 'bool';
    else if (type === 'INTEGER') { ours = 'int32'; expr = `CAST(${id} AS VARCHAR)`; }
    else if (type === 'BIGINT') { ours = 'int64'; expr = `CAST(${id} AS VARCHAR)`; }
    else if (type === 'DOUBLE') ours = 'float64';
    else if (type === 'VARCHAR') { ours = 'string'; expr = `encode(${id})`; }
    else if (type === 'DATE') { ours = 'date'; expr = `CAST(${id} - DATE '1970-01-01' AS VARCHAR)`; }
    else if (type === 'TIMESTAMP WITH TIME ZONE') { ours = 'timestamp'; expr = `CAST(epoch_us(${id}) AS VARCHAR)`; }
    else if (dec) { ours = `decimal(${dec[1]},${dec[2]})`; expr = `CAST(${id} AS VARCHAR)`; }
    else { ours = 'other:' + type; expr = `CAST(${id} AS VARCHAR)`; }
    columns.push({ name: String(name), type: ours });
    exprs.push(expr);
  }
  // Strings travel as their UTF-8 bytes: the binding's own decoding would drop a leading U+FEFF.
  const rows = metaOnly ? [] : (await q(`SELECT ${exprs.join(', ')} FROM ${source}`)).map(row => row.map((v, i) =>
    v === null ? null : columns[i].type === 'float64' ? floatText(v)
      : columns[i].type === 'string' ? utf8.decode(v.bytes) : v));
  const meta = noMeta || sql ? [] : (await q(`SELECT file_name, row_group_id, row_group_num_rows, path_in_schema, type, compression,
      encodings, CAST(stats_min_value AS VARCHAR), CAST(stats_max_value AS VARCHAR), stats_null_count
      FROM parquet_metadata(${list}) ORDER BY file_name, row_group_id, column_id`)).map(r => ({
    file: r[0], row_group: Number(r[1]), rows: Number(r[2]), column: r[3], physical: r[4], compression: r[5],
    encodings: r[6], min: r[7], max: r[8], null_count: r[9] === null ? null : Number(r[9]),
  }));
  conn.closeSync();
  instance.closeSync();
  return { columns, rows, meta };
}

async function readHyparquet({ files }) {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  // Raw days and microseconds instead of JS Dates, which would drop the microseconds.
  const parsers = {
    timestampFromMilliseconds: (v) => ({ raw: 'ms', v }),
    timestampFromMicroseconds: (v) => ({ raw: 'us', v }),
    timestampFromNanoseconds: (v) => ({ raw: 'ns', v }),
    dateFromDays: (v) => ({ raw: 'days', v }),
    stringFromBytes: (b) => b && utf8.decode(b),
  };
  const columns = [];
  const byName = new Map();
  const rows = [];
  for (const file of files) {
    const buf = await asyncBufferFromFile(file);
    const md = await parquetMetadataAsync(buf);
    const leaves = md.schema.slice(1);
    const fileCols = leaves.map(s => {
      const lt = s.logical_type;
      let type;
      if (s.type === 'BOOLEAN') type = 'bool';
      else if (lt?.type === 'STRING' || s.converted_type === 'UTF8') type = 'string';
      else if (lt?.type === 'DATE') type = 'date';
      else if (lt?.type === 'TIMESTAMP') type = lt.isAdjustedToUTC && lt.unit === 'MICROS' ? 'timestamp' : 'other:TIMESTAMP';
      else if (lt?.type === 'DECIMAL' || s.converted_type === 'DECIMAL') type = `decimal(${s.precision},${s.scale})`;
      else if (s.type === 'INT32') type = 'int32';
      else if (s.type === 'INT64') type = 'int64';
      else if (s.type === 'DOUBLE') type = 'float64';
      else type = 'other:' + s.type;
      return { name: s.name, type, scale: s.scale ?? 0 };
    });
    for (const c of fileCols) {
      if (!byName.has(c.name)) { byName.set(c.name, columns.length); columns.push({ name: c.name, type: c.type }); }
      else if (columns[byName.get(c.name)].type !== c.type) columns[byName.get(c.name)].type += '|' + c.type;
    }
    // hyparquet turns decimals into JS numbers, exact only below 2^53: decimal leaves are read without their
    // annotation instead (INT32/INT64 as integers, FIXED_LEN_BYTE_ARRAY as bytes) and rendered here.
    const raw = structuredClone(md);
    for (const s of raw.schema.slice(1)) {
      if (s.logical_type?.type === 'DECIMAL' || s.converted_type === 'DECIMAL') {
        delete s.logical_type;
        delete s.converted_type;
      }
    }
    const objects = await parquetReadObjects({ file: buf, metadata: raw, compressors, parsers, utf8: true });
    for (const o of objects) {
      const row = new Array(columns.length).fill(null);
      for (const c of fileCols) {
        let v = o[c.name];
        if (v === null || v === undefined) v = null;
        else if (c.type === 'float64') v = floatText(v);
        else if (c.type.startsWith('decimal')) {
          v = decimalText(unscaledOf(v), c.scale);
        } else if (typeof v === 'object' && 'raw' in v) v = String(v.v);
        else if (typeof v === 'bigint' || typeof v === 'number') v = String(v);
        row[byName.get(c.name)] = v;
      }
      rows.push(row);
    }
  }
  return { columns, rows, meta: [] };
}

// What the command line would print for args, and its exit code.
async function run(o) {
  const files = [];
  for (const p of o.paths) collect(p, files);
  const read = { files, hive: o.hive, metaOnly: o.metaOnly, noMeta: o.noMeta, sql: o.sql };
  const result = files.length === 0 ? { columns: [], rows: [], meta: [] }
    : o.engine === 'hyparquet' ? await readHyparquet(read) : await readDuckdb(read);
  if (o.expectSynthetic) {
    const { syntheticColumns, syntheticRow } = await import('./synthetic.mjs');
    const mismatches = [];
    const want = syntheticColumns();
    const got = result.columns.map(c => [c.name, c.type]);
    if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push({ columns: got, expected: want });
    result.rows.forEach((row, i) => {
      const expected = syntheticRow(i);
      for (let c = 0; c < expected.length && mismatches.length < 20; c++) {
        if (row[c] !== expected[c]) mismatches.push({ row: i, column: want[c][0], got: row[c], expected: expected[c] });
      }
    });
    return { exit: mismatches.length ? 1 : 0, output: { engine: o.engine, rows: result.rows.length, mismatches } };
  }
  return { exit: 0, output: { engine: o.engine, files, ...result } };
}

async function serve(defaultEngine) {
  const { createInterface } = await import('node:readline');
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let answer;
    try {
      const args = JSON.parse(line);
      if (!Array.isArray(args) || !args.every(a => typeof a === 'string')) {
        throw new Error('a request is a JSON array of strings, got: ' + line.slice(0, 200));
      }
      answer = await run(parseArgs(args, defaultEngine));
    } catch (e) {
      const error = String(e?.stack ?? e);
      process.stderr.write(error + '\n');
      answer = { exit: 1, output: null, error };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
}

const options = parseArgs(process.argv.slice(2));
if (options.serve) {
  await serve(options.engine);
} else {
  const { exit, output } = await run(options);
  process.stdout.write(JSON.stringify(output) + '\n');
  process.exitCode = exit;
}
