'use strict';
// Shared by the Node interop programs: the size matrix, payloads, and the
// result lines that scripts/test-interop.sh counts ("PASS name" / "FAIL name: why").

const crypto = require('crypto');

// Frame-length boundaries (7-bit, 16-bit, 64-bit lengths) and big messages.
const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20];

// 1 + 2 + 3 + 4 bytes of UTF-8: every encoded length.
const UNIT = 'aé€😀';
const UNIT_BYTES = Buffer.byteLength(UNIT);

// A string whose UTF-8 encoding is exactly n bytes, mostly multi-byte.
function textOf(n) {
  const s = 'x'.repeat(n % UNIT_BYTES) + UNIT.repeat(Math.floor(n / UNIT_BYTES));
  if (Buffer.byteLength(s) !== n) throw new Error('textOf');
  return s;
}

function binaryOf(n) {
  return crypto.randomBytes(n);
}

function sizeName(n) {
  return n >= 1 << 20 && n % (1 << 20) === 0 ? `${n >> 20}MiB` : String(n);
}

function firstDiff(a, b) {
  if (a.length !== b.length) return `length ${b.length}, expected ${a.length}`;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return `differs at index ${i}`;
  }
  return 'equal';
}

class Results {
  constructor(prefix) {
    this.prefix = prefix;
    this.passed = 0;
    this.failed = 0;
  }
  ok(name, note) {
    this.passed++;
    console.log(`PASS ${this.prefix} ${name}${note ? ` (${note})` : ''}`);
  }
  fail(name, why) {
    this.failed++;
    console.log(`FAIL ${this.prefix} ${name}: ${why}`);
  }
  check(name, cond, why, note) {
    if (cond) this.ok(name, note);
    else this.fail(name, why || 'check failed');
    return cond;
  }
  info(msg) {
    console.log(`  ${this.prefix}: ${msg}`);
  }
  exitCode() {
    return this.failed || !this.passed ? 1 : 0;
  }
}

// Rejects after ms with `what` in the message.
function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000}s`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

module.exports = { SIZES, textOf, binaryOf, sizeName, firstDiff, Results, withTimeout };
