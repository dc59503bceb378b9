/**
 * What each MODEL.* code means: the errors a generated service reports at start-up, before
 * `/readyz` turns 200 (one JSON log line with `code`, message and `fix`, then exit 1).
 * docs/errors.md lists the same codes with the same text; a test keeps them in step.
 */
export const MODEL_CATALOGUE: Record<string, string> = {
  'MODEL.NOT_FOUND': 'No folder, file or `<name>.onnx` for a configured model under the models directory.',
  'MODEL.BAD_NAME': 'A model name is not a single folder name.',
  'MODEL.AMBIGUOUS': 'A model folder has no `MLmodel` and not exactly one `.onnx` file.',
  'MODEL.NOT_ONNX': "The model's `MLmodel` has no `onnx` flavor.",
  'MODEL.BAD_PATH': "`MLmodel` names a data file outside the model's folder.",
  'MODEL.LOAD_FAILED': 'onnxruntime could not open the model file.',
  'MODEL.NON_TENSOR_INPUT': 'A model input is not a tensor.',
  'MODEL.NO_SUCH_OUTPUT': "A model's `outputs:` names an output the model does not have.",
  'MODEL.NON_TENSOR_OUTPUT': 'A requested output is not a tensor (e.g. a ZipMap sequence of maps).',
  'MODEL.BAD_ORT_THREADS': '`MLSERVICE_ORT_THREADS` is not a whole number.',
  'MODEL.BAD_INFERENCE_THREAD': '`MLSERVICE_INFERENCE_THREAD` is neither `main` nor `worker`.',
};
