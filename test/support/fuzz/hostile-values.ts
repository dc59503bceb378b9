/**
 * The raw JSON texts the fuzz cases put into bodies. Raw text, not JS values: `1e400`, `-0`,
 * `1.0`, a lone surrogate escape or 100,000 levels of nesting must reach the service as written.
 */

/** Values of another JSON type than whatever a field holds. */
export const TYPE_CONFUSED = ['null', 'true', 'false', '0', '-1', '1.5', '"0"', '""', '"true"', '"1e3"', '[]', '{}', '[null]', '{"a":1}', '[[]]', '[1,"a",null]'];

/** min-1, min, max, max+1 of every integer element type, written exactly (int64 needs BigInt). */
function integerEdges(): string[] {
  const ranges: Array<[bigint, bigint]> = [
    [-128n, 127n],
    [0n, 255n],
    [-32768n, 32767n],
    [0n, 65535n],
    [-(2n ** 31n), 2n ** 31n - 1n],
    [0n, 2n ** 32n - 1n],
    [-(2n ** 63n), 2n ** 63n - 1n],
    [0n, 2n ** 64n - 1n],
  ];
  return [...new Set(ranges.flatMap(([lo, hi]) => [lo - 1n, lo, hi, hi + 1n].map(String)))];
}

/**
 * Numbers at and past the edges of every ONNX element type a model input can have
 * (@see https://onnx.ai/onnx/intro/concepts.html#element-type), plus what JSON itself allows but a
 * double cannot hold: 1e400 parses to Infinity, 1e-400 to 0, 2^53 + 1 to 2^53.
 */
export const NUMERIC_EXTREMES = [
  ...integerEdges(),
  '0',
  '-0',
  '0.0',
  '1.0',
  '1e2',
  '1E+2',
  '0.5',
  '-0.5',
  '1.5',
  '1e-8',
  '65504',
  '65519',
  '65520',
  '-65520', // float16 max and the first values that round to Infinity
  '3.4028234663852886e38',
  '3.4028235677973362e38',
  '3.4028235677973366e38',
  '-3.4028235677973366e38',
  '1e39',
  '-1e39', // float32
  '1.7976931348623157e308',
  '-1.7976931348623157e308',
  '1e308', // float64
  '1e400',
  '-1e400',
  '1e-400',
  '5e-324',
  '-5e-324',
  '1e-45',
  '1.4e-45',
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '-9007199254740993',
  '123456789012345678901234567890',
  '0.1e1',
  '1' + '0'.repeat(400),
  '0.' + '0'.repeat(400) + '1',
];

/** Strings that are valid JSON but hard on whatever reads them. */
export const UNICODE_STRINGS = [
  '"\\ud800"',
  '"\\udfff"',
  '"\\udfff\\ud800"',
  '"a\\ud83d"',
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ufeff"',
  '"\\u202e"',
  '"\\u2028\\u2029"',
  '"\\u0007\\u001b[31m"',
  '"e\\u0301"',
  '"\u{1F469}\u200D\u{1F469}\u200D\u{1F467}"',
  '"\u{1D54F}"',
  '"ı"',
  '"ｄｅ"',
  '"ǅ"',
  '"ß"',
  '"\u0627\u0644\u0639\u0631\u0628\u064A\u0629"',
  '"\u4E2D\u6587"',
  '"\\\\"',
  '"\\""',
  '"</script>"',
  '"${jndi:ldap://x}"',
  '"{{7*7}}"',
  '"%00"',
  '"../../etc/passwd"',
  '"\'; DROP TABLE x; --"',
  '" "',
  '"\\t\\n\\r"',
  JSON.stringify('\u{1F600}'.repeat(64)),
  JSON.stringify('\u{1F600}'.repeat(65)),
  JSON.stringify('a'.repeat(64)),
  JSON.stringify('a'.repeat(65)),
  JSON.stringify('e\u0301'.repeat(40)),
];

/** Keys an object should never act on: prototype pollution, getters, odd pointer characters. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  '',
  ' ',
  'a/b',
  'm~n',
  '~1',
  '\u0000',
  '\ud800',
  '\u{1F600}',
  'x'.repeat(1000),
];

/** What goes under a hostile key: for `constructor` a `prototype` object is what pollutes. */
export const HOSTILE_KEY_VALUES = ['1', '{}', '{"polluted":true}', '{"prototype":{"polluted":true}}', '{"__proto__":{"polluted":true}}', 'null'];

/** `depth` levels of arrays or objects around a leaf, as text (JSON.stringify would overflow the stack). */
export function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + '1' + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Whole bodies that are not one JSON object, or not JSON at all. */
export const MALFORMED_BODIES = [
  '',
  ' ',
  '\n',
  '{',
  '}',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{a:1}',
  'NaN',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":-Infinity}',
  '{"a":undefined}',
  '// comment\n{}',
  '/* c */{}',
  '{"a":1}garbage',
  '{"a":1}{"a":2}',
  '{"a":"\u0001"}',
  '{"a":"line\nbreak"}',
  '{"a":01}',
  '{"a":1.}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":0x10}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '\u0000',
  '\ufeff',
  'null',
  'true',
  '0',
  '"{}"',
  '[]',
  '[{}]',
  '{}',
  '{"":1}',
];

/** Content types and whether the body they label is JSON to the service. */
export const CONTENT_TYPES: Array<[string, boolean]> = [
  ['application/json', true],
  ['application/json; charset=utf-8', true],
  ['Application/JSON', true],
  ['text/plain', false],
  ['text/json', false],
  ['application/x-www-form-urlencoded', false],
  ['multipart/form-data; boundary=x', false],
  ['application/problem+json', false],
  ['application/octet-stream', false],
];
