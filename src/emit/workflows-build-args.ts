/**
 * Docker build arguments CI passes when it builds the service image. The Dockerfile declares the
 * same names (ARG) and turns them into labels and environment variables, so both read them here.
 *   REVISION                 git SHA of the service code
 *   VERSION                  service.version from mlservice.yaml
 *   SOURCE                   repository URL (org.opencontainers.image.source)
 *   MODEL_<KEY>_VERSION      per model, from models.lock.json (registry version, or `sha256-<12 hex>`
 *                            of the model files for local and https sources)
 *   MODEL_<KEY>_RUN_ID       per model, MLflow run id (empty for local and https sources)
 *   MODEL_<KEY>_SHA256       per model, the lock's digest over the model files
 * where <KEY> is the model name upper-cased with every other character than A-Z0-9 turned into `_`
 * (`ranker-control` -> `RANKER_CONTROL`). The Dockerfile emitter's `modelBuildArgs()` gives the same
 * names for every valid (DNS-1123) model name.
 */
export const BUILD_ARG = { revision: 'REVISION', version: 'VERSION', source: 'SOURCE' } as const;

export function modelArgKey(modelName: string): string {
  return modelName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function modelBuildArg(modelName: string, field: 'VERSION' | 'RUN_ID' | 'SHA256'): string {
  return `MODEL_${modelArgKey(modelName)}_${field}`;
}
