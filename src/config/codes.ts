/**
 * The catalogue of every diagnostic code the config step can report. `docs/errors.md` has one row
 * per entry, and `test/config/codes.test.ts` fails when the two drift apart or when a code is used
 * in `src/` without being listed here (the way fastify keeps `lib/errors.js` and its docs in step).
 */
export const CONFIG_CODES = {
  'CONFIG.FILE_NOT_FOUND': 'The config file cannot be read.',
  'CONFIG.EMPTY': 'The file holds no YAML mapping.',
  'CONFIG.YAML_SYNTAX': 'The file is not valid YAML (bad indentation, unclosed bracket, tab indent, several documents ...).',
  'CONFIG.DUPLICATE_KEY': 'A mapping has the same key twice; YAML parsers disagree on which one wins, so it is refused.',
  'CONFIG.ALIAS_LIMIT': 'Too many alias expansions (a "billion laughs" alias bomb) or an alias to an unknown anchor.',
  'CONFIG.YAML_TAG': 'An explicit YAML tag other than the core ones (`!!str`, `!!int`, ...).',
  'CONFIG.API_VERSION': '`apiVersion` is not `mlservice/v1`.',
  'CONFIG.UNKNOWN_KEY': 'A key the schema does not define (often a typo).',
  'CONFIG.MISSING_KEY': 'A required key is missing.',
  'CONFIG.CONFLICTING_KEYS': 'Two keys that exclude each other are both set (an endpoint with both `model` and `ab`).',
  'CONFIG.TYPE': 'A value has the wrong type (a number where text is expected, a list where a mapping is expected ...).',
  'CONFIG.ENUM': 'A value is not one of the allowed values.',
  'CONFIG.PATTERN': 'A string does not have the required form (DNS label, semver, image name, quantity ...).',
  'CONFIG.RANGE': 'A number, string length or list length is out of range.',
  'CONFIG.DUPLICATE_ITEM': 'A list that must hold distinct items holds one twice.',
  'CONFIG.MODEL_SOURCE': 'A model `source` is not a registry URI, a safe relative path or an https URL.',
  'CONFIG.DUPLICATE_NAME': 'Two models, endpoints or variants share a name.',
  'CONFIG.DUPLICATE_PATH': 'Two endpoints share an HTTP path.',
  'CONFIG.RESERVED_PATH': 'An endpoint path collides with a path the runtime serves itself (`/livez`, `/metrics`, ...).',
  'CONFIG.RESERVED_HEADER': 'The API key header of `server.auth` is one HTTP or the service already gives a meaning (`authorization`, `content-type`, `x-request-id`, an A/B override header ...).',
  'CONFIG.UNKNOWN_MODEL': 'An endpoint or variant names a model that `models` does not define.',
  'CONFIG.WEIGHT_SUM': 'The A/B variant weights do not sum to 100.',
  'CONFIG.WEIGHT_PRECISION': 'A variant weight has more than two decimals (the router splits 10,000 buckets).',
  'CONFIG.AB_UNIT': 'The A/B `unit` is not a top-level string or integer property of the endpoint input.',
  'CONFIG.UNKNOWN_VARIANT': '`missingUnit.variant` names a variant the split does not define.',
  'CONFIG.SCHEMA_INVALID': 'An endpoint `input` or `output` JSON Schema does not compile.',
  'CONFIG.EXAMPLE_INVALID': 'An endpoint example does not match the endpoint `input` schema.',
  'CONFIG.REPLICAS': '`deploy.kubernetes.replicas.min` is greater than `max`.',
  'CONFIG.CANARY_THRESHOLDS': 'The canary `marginal` score is not below `pass`.',
  'CONFIG.CANARY_LIFETIME': 'The canary lifetime is shorter than one analysis interval.',
} as const;

export type ConfigCode = keyof typeof CONFIG_CODES;
