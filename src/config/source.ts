/**
 * Model source strings -> the `ModelSource` union. The schema's `modelSource` pattern accepts the
 * same language (a test keeps them in step); this parser adds the reason and the fix for a rejection.
 * @see https://mlflow.org/docs/latest/model-registry.html (models:/ URIs, aliases)
 */
import type { ModelSource } from './model.js';

export type SourceResult = { ok: true; source: ModelSource } | { ok: false; reason: string; fix: string };

const REGISTERED_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ALIAS = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const VERSION = /^[1-9][0-9]*$/;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const REGISTRY_FORMS = 'models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest';

function fail(reason: string, fix: string): SourceResult {
  return { ok: false, reason, fix };
}

export function parseModelSource(uri: string): SourceResult {
  if (uri.startsWith('models:/')) return parseRegistry(uri);
  if (uri.startsWith('https://')) return parseHttps(uri);
  if (uri.startsWith('http://')) return fail('plain http is not allowed for model downloads', `use https:// (${uri.replace('http://', 'https://')})`);
  if (/^runs:\//.test(uri)) return fail('MLflow run URIs are not pinned to a registered version', `register the model and use ${REGISTRY_FORMS}`);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !/^[A-Za-z]:[\\/]/.test(uri)) {
    return fail(`unsupported scheme "${uri.slice(0, uri.indexOf(':'))}:"`, `use ${REGISTRY_FORMS}, an https:// URL or a path relative to the project`);
  }
  return parseLocal(uri);
}

function parseRegistry(uri: string): SourceResult {
  const rest = uri.slice('models:/'.length);
  const at = rest.indexOf('@');
  if (at >= 0) {
    const [name, alias] = [rest.slice(0, at), rest.slice(at + 1)];
    if (!REGISTERED_NAME.test(name)) return badName(name);
    if (!ALIAS.test(alias)) return fail(`invalid alias ${JSON.stringify(alias)}`, 'aliases are letters, digits, "_" and "-", starting with a letter or "_" (e.g. @champion)');
    return { ok: true, source: { kind: 'registry-alias', uri, registeredModel: name, alias } };
  }
  const slash = rest.lastIndexOf('/');
  if (slash < 0) return fail('registry source without a version, alias or "latest"', `pin it: models:/${rest}/<version>, models:/${rest}@<alias> or models:/${rest}/latest`);
  const [name, version] = [rest.slice(0, slash), rest.slice(slash + 1)];
  if (!REGISTERED_NAME.test(name)) return badName(name);
  if (version === 'latest') return { ok: true, source: { kind: 'registry-latest', uri, registeredModel: name } };
  if (!VERSION.test(version)) return fail(`invalid model version ${JSON.stringify(version)}`, 'versions are positive integers (e.g. models:/ranker/12); use @alias or /latest for moving references');
  return { ok: true, source: { kind: 'registry-version', uri, registeredModel: name, version } };
}

function badName(name: string): SourceResult {
  return fail(`invalid registered model name ${JSON.stringify(name)}`, 'names are letters, digits, "_", "-" and "." (Unity Catalog: catalog.schema.model), with no "/" or spaces');
}

function parseHttps(uri: string): SourceResult {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return fail('not a valid URL', 'write a full https URL, e.g. https://models.example.com/scorer/1/model.onnx');
  }
  if (url.username || url.password) return fail('credentials in the URL would end up in the image and the logs', 'remove "user:password@" and let the download step authenticate');
  if (!/^https:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?\/\S*$/.test(uri)) return fail('URL has an unexpected form', 'write https://host[:port]/path/to/model.onnx');
  return { ok: true, source: { kind: 'https', uri, url: uri } };
}

/**
 * A relative path, normalised: a leading `./` (how most people write a relative path) is dropped,
 * so `./models/x.onnx` and `models/x.onnx` are one source. `..`, absolute paths and other `.`
 * segments stay refused.
 */
function parseLocal(written: string): SourceResult {
  const path = written.replace(/^(?:\.\/)+/, '');
  const fixRelative = 'write a path relative to the project root, e.g. models/scorer/model.onnx';
  if (path === '' && written !== '') return fail('the path names the project directory itself', 'point at the model: an .onnx file or an MLflow model directory, e.g. models/scorer/model.onnx');
  if (path === '') return fail('empty source', `use ${REGISTRY_FORMS}, an https:// URL or ${fixRelative.slice(8)}`);
  if (path.startsWith('/') || path.startsWith('~') || /^[A-Za-z]:[\\/]/.test(path)) return fail('absolute paths break on every other machine', fixRelative);
  if (path.includes('\\')) return fail('backslashes in a path', 'use "/" as the separator');
  const segments = path.split('/');
  if (segments.includes('..')) return fail('path leaves the project directory ("..")', 'copy the model into the project (e.g. models/<name>/model.onnx) and point there');
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (bad !== undefined) {
    return fail(`path segment ${JSON.stringify(bad)} is not allowed`, 'use letters, digits, "_", "-", "." and "+" in path segments, no empty, "." or hidden segments');
  }
  return { ok: true, source: { kind: 'local', uri: path, path } };
}
