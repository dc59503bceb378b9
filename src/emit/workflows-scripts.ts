/**
 * Step scripts of the generated workflows. They run with `shell: node {0}` (GitHub writes the
 * `run` text to a file and runs `node <file>`), so they need no shell quoting at all, and they
 * read every value from the environment: nothing from the config, the event or a secret is ever
 * interpolated into script text. Plain strings, no template literals: the scripts are JavaScript
 * that will itself be read by reviewers.
 * @see https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#custom-shell
 */
import { MODEL_PARAM_PREFIX, PARAM } from './spinnaker-names.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';
const REQUIRE_FS = ['const fs = require("node:fs");', 'const path = require("node:path");'];

/**
 * Reads models.lock.json and writes, under $RUNNER_TEMP, `build-args.txt` (one `--build-arg=K=V`
 * per line, for `mapfile`) and `model-params.json` (the Spinnaker model parameters).
 * The key rule must stay in step with `modelArgKey()` in workflows-build-args.ts (tested).
 */
export const LOCK_SCRIPT = lines(
  ...REQUIRE_FS,
  'const lock = JSON.parse(fs.readFileSync("models.lock.json", "utf8"));',
  'const key = (name) => name.toUpperCase().replace(/[^A-Z0-9]/g, "_");',
  'const clean = (v) => {',
  '  if (/[\\r\\n]/.test(v)) throw new Error("newline in models.lock.json value");',
  '  return v;',
  '};',
  'const args = [];',
  'const params = {};',
  'for (const name of Object.keys(lock.models).sort()) {',
  '  const m = lock.models[name];',
  '  const version = clean(m.registry ? m.registry.version : "sha256-" + m.sha256.slice(0, 12));',
  '  const runId = clean(m.registry ? m.registry.runId : "");',
  '  args.push("--build-arg=MODEL_" + key(name) + "_VERSION=" + version);',
  '  args.push("--build-arg=MODEL_" + key(name) + "_RUN_ID=" + runId);',
  '  args.push("--build-arg=MODEL_" + key(name) + "_SHA256=" + clean(m.sha256));',
  '  params[' + JSON.stringify(MODEL_PARAM_PREFIX.version) + ' + name] = version;',
  '  params[' + JSON.stringify(MODEL_PARAM_PREFIX.runId) + ' + name] = runId;',
  '  console.log(name + ": version " + version + (runId ? ", run " + runId : ""));',
  '}',
  'const out = process.env.RUNNER_TEMP;',
  'fs.writeFileSync(path.join(out, "build-args.txt"), args.map((a) => a + "\\n").join(""));',
  'fs.writeFileSync(path.join(out, "model-params.json"), JSON.stringify(params));',
);

/**
 * Builds the Spinnaker webhook body from the environment and model-params.json. Without a
 * production image tag this is a first deploy: the baseline parameter stays empty and the
 * pipeline deploys production without a canary (nothing to compare with, no traffic to measure).
 */
export const PAYLOAD_SCRIPT = lines(
  ...REQUIRE_FS,
  'const env = process.env;',
  'const models = JSON.parse(fs.readFileSync(path.join(env.RUNNER_TEMP, "model-params.json"), "utf8"));',
  'const baseline = env.BASELINE_IMAGE_TAG || "";',
  'if (!baseline) {',
  '  console.log("::warning::repository variable PRODUCTION_IMAGE_TAG is not set: first deploy, no canary. " +',
  '    "Once it succeeds, run: gh variable set PRODUCTION_IMAGE_TAG --body " + env.IMAGE_TAG);',
  '}',
  'const parameters = {',
  '  ' + JSON.stringify(PARAM.imageTag) + ': env.IMAGE_TAG,',
  '  ' + JSON.stringify(PARAM.baselineImageTag) + ': baseline,',
  '  ' + JSON.stringify(PARAM.gitSha) + ': env.IMAGE_TAG,',
  '  ' + JSON.stringify(PARAM.chartRepo) + ': env.CHART_REPO,',
  '  ...models,',
  '};',
  'fs.writeFileSync(path.join(env.RUNNER_TEMP, "spinnaker-payload.json"), JSON.stringify({ parameters }));',
  'console.log(JSON.stringify({ parameters }, null, 2));',
);

/**
 * After `mlgen models pull` in the retrain workflow: the posted version must be the one now
 * locked, else the source in mlservice.yaml does not follow the registry (a pinned version).
 */
export const VERIFY_LOCK_SCRIPT = lines(
  'const fs = require("node:fs");',
  'const { MODEL, VERSION } = process.env;',
  'const lock = JSON.parse(fs.readFileSync("models.lock.json", "utf8"));',
  'const entry = lock.models[MODEL];',
  'if (!entry) throw new Error("model " + JSON.stringify(MODEL) + " is not in models.lock.json");',
  'const locked = entry.registry ? entry.registry.version : null;',
  'if (VERSION && locked !== VERSION) {',
  '  console.log("::error::" + MODEL + " resolved to version " + locked + ", not " + VERSION +',
  '    ". Point its source in mlservice.yaml at an alias (models:/<name>@champion) that the training job moves.");',
  '  process.exit(1);',
  '}',
  'console.log(MODEL + " locked at version " + locked);',
);

/** Pulls models: re-resolving sources, or exactly what models.lock.json records (`[deploy-only]`, retrain deploy). */
export const PULL_SCRIPT = lines(
  'set -euo pipefail',
  'if [ "$MODELS" = "locked" ]; then',
  '  npx --no mlgen models pull --locked',
  'else',
  '  npx --no mlgen models pull',
  'fi',
);

/** Retrain: re-resolve only the posted model; the lock keeps every other model as it is. */
export const RETRAIN_PULL_SCRIPT = lines(
  'set -euo pipefail',
  '# The name comes from the dispatch payload: accept only a model name (DNS label), never an option.',
  'if ! [[ "$MODEL" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]]; then',
  '  echo "::error::not a model name: $MODEL"',
  '  exit 1',
  'fi',
  'npx --no mlgen models pull --only "$MODEL"',
);

/** Builds and pushes the image; build args come from build-args.txt as array items (no word splitting). */
export const BUILD_SCRIPT = lines(
  'set -euo pipefail',
  'mapfile -t model_args < "$RUNNER_TEMP/build-args.txt"',
  'docker build \\',
  '  --build-arg "REVISION=$IMAGE_TAG" \\',
  '  --build-arg "VERSION=$SERVICE_VERSION" \\',
  '  --build-arg "SOURCE=$SOURCE_URL" \\',
  '  "$' + '{model_args[@]}" \\',
  '  --tag "$IMAGE:$IMAGE_TAG" .',
  'docker push "$IMAGE:$IMAGE_TAG"',
);

/** `mlgen spinnaker install` reads SPINNAKER_GATE_URL and SPINNAKER_GATE_TOKEN itself. */
export const INSTALL_SCRIPT = lines('set -euo pipefail', 'npx --no mlgen spinnaker install');

export const TRIGGER_SCRIPT = lines(
  'set -euo pipefail',
  'curl -fsS -X POST -H "Content-Type: application/json" \\',
  '  --data-binary "@$RUNNER_TEMP/spinnaker-payload.json" \\',
  '  "$SPINNAKER_WEBHOOK_URL/webhooks/webhook/$WEBHOOK_SOURCE"',
);

export const COMMIT_LOCK_SCRIPT = lines(
  'set -euo pipefail',
  'git config user.name "github-actions[bot]"',
  'git config user.email "41898282+github-actions[bot]@users.noreply.github.com"',
  'git add models.lock.json',
  'if git diff --cached --quiet; then',
  '  echo "models.lock.json unchanged"',
  'else',
  '  git commit -m "Lock model $MODEL version $VERSION" -m "Posted by a training job (retrain workflow)."',
  '  git push origin "HEAD:$GITHUB_REF_NAME"',
  'fi',
  'echo "sha=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"',
);
