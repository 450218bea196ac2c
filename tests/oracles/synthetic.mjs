// The synthetic table the Parquet oracle tests write from C++ (tests/unit/storage/parquet_test.cpp,
// SyntheticBatch) and check here, value by value, in the normalized form of read_parquet.mjs. Row i is a
// pure function of i; every column but id has NULLs; the float column cycles through the awkward values.
const SPECIAL = ['NaN', 'Infinity', '-Infinity', '-0', '5e-324', '1.7976931348623157e+308'];

export function syntheticColumns() {
  return [['id', 'int64'], ['i32', 'int32'], ['f', 'float64'], ['s', 'string'], ['code', 'string'], ['b', 'bool'],
    ['d', 'date'], ['t', 'timestamp'], ['m', 'decimal(18,4)']];
}

function decimalText(unscaled, scale) {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return (neg ? '-' : '') + digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
}

function floatText(v) {
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

export function syntheticRow(i) {
  const n = BigInt(i);
  const isNull = (k) => k > 0 && (i * 31 + k * 7) % 13 === 0;
  const values = [
    String(n * 1000003n - 500000000000n),
    String(((i * 7919) % 200001) - 100000),
    i % 1000 === 999 ? SPECIAL[Math.floor(i / 1000) % SPECIAL.length] : floatText((i - 500000) * 0.125),
    i % 5 === 0 ? '平安银行-' + i : i % 5 === 1 ? '' : 's' + i,
    '0000' + String(i % 50).padStart(2, '0') + '.SZ',
    i % 3 === 0,
    String(18000 + (i % 3650)),
    String(1600000000000000n + n * 1000001n),
    decimalText((n * 987654321n) % 1000000000000000n - 500000000000000n, 4),
  ];
  return values.map((v, k) => (isNull(k) ? null : v));
}
