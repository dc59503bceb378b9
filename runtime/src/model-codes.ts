/**
 * What each MODEL.* code means: the errors a generated service reports at start-up, before
 * `/readyz` turns 200 (one JSON log line with `code`, message and `fix`, then exit 1). The codes of
 * model-files.ts (finding a model and reading its MLmodel) are also what `mlgen sync` and
 * `mlgen models pull` report for the same folder.
 * docs/errors.md lists the same codes with the same text; a test keeps them in step.
 */
export const MODEL_CATALOGUE: Record<string, string> = {
  'MODEL.NOT_FOUND': 'No folder, file or `<name>.onnx` for a configured model under the models directory.',
  'MODEL.BAD_NAME': 'A model name is not a single folder name.',
  'MODEL.AMBIGUOUS': 'A model folder has no `MLmodel` and not exactly one `.onnx` file.',
  'MODEL.NOT_ONNX': "The model's `MLmodel` has no `onnx` flavor (nor a `python_function` flavor loaded by `mlflow.onnx`).",
  'MODEL.BAD_MLMODEL': "The model's `MLmodel` is not valid YAML, or not a mapping.",
  'MODEL.BAD_PATH': "`MLmodel` names a data file outside the model's folder.",
  'MODEL.NO_DATA_FILE': '`MLmodel` names an ONNX data file the folder does not have.',
  'MODEL.LOAD_FAILED': 'onnxruntime could not open the model file.',
  'MODEL.NON_TENSOR_INPUT': 'A model input is not a tensor.',
  'MODEL.NO_SUCH_OUTPUT': "A model's `outputs:` names an output the model does not have.",
  'MODEL.NON_TENSOR_OUTPUT': 'A requested output is not a tensor (e.g. a ZipMap sequence of maps).',
  'MODEL.BAD_ORT_THREADS': '`MLSERVICE_ORT_THREADS` is not a whole number.',
  'MODEL.AUTH_TOKEN': '`server.auth` is on but `MLSERVICE_AUTH_TOKEN` is unset, shorter than 16 characters, or holds characters a request header cannot carry.',
  'MODEL.NO_REQUEST_SCHEMA':
    "The OpenAPI document the service serves has no `POST` operation at an endpoint's path with an `application/json` request body schema, so the runtime has nothing to validate its requests against.",
  'MODEL.BAD_REQUEST_SCHEMA': "An endpoint's request schema in the OpenAPI document does not compile (for example a `$ref` to a component the document does not have).",
  'MODEL.BAD_INFERENCE_THREAD': '`MLSERVICE_INFERENCE_THREAD` is not `auto`, `main` or `worker`.',
  'MODEL.BAD_INFERENCE_NICE': '`MLSERVICE_INFERENCE_NICE` is not a whole number from 0 to 19.',
};
