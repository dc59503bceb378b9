import type { ServiceModel } from '../config/model.js';
import type { Diagnostic } from '../diagnostics.js';
import type { OnnxSignature, ValueSignature } from './onnx-signature.js';

/**
 * Config-versus-model checks that need the model files (run at sync time when `models/<name>/`
 * holds them; skipped for models not pulled yet). Codes, with what they mean:
 */
export const SIGNATURE_CATALOGUE = {
  'SIGNATURE.UNREADABLE': 'The model file sync read (the one the service will load) is not a readable ONNX model.',
  'SIGNATURE.NOT_THERE': 'Warning: a local `source:` path does not exist yet, so sync could not check the model or name its input in the default hooks.',
  'SIGNATURE.NON_TENSOR_INPUT': 'A model input is a sequence/map; onnxruntime-node can only feed tensors.',
  'SIGNATURE.UNKNOWN_OUTPUT': '`outputs` names an output the model does not have, or one that is not a tensor.',
  'SIGNATURE.NO_TENSOR_OUTPUT': 'The model has no tensor output, so the service has nothing to return.',
  'SIGNATURE.AB_MISMATCH': 'The variants of one A/B endpoint take different inputs or give different outputs, so one pair of hooks cannot serve both.',
} as const;

export type SignatureCode = keyof typeof SIGNATURE_CATALOGUE;

/** Where a config path is, as `file:line:col` parts (line 0 when unknown). */
export type Locate = (segments: string[]) => { file: string; line: number; col: number };

function problem(code: SignatureCode, message: string, fix: string, at: ReturnType<Locate>): Diagnostic {
  return { code, severity: 'error', message, fix, ...at };
}

function describeInput(v: ValueSignature): string {
  const shape = v.dims ? `[${v.dims.map((d) => (d === null ? '?' : d)).join(', ')}]` : '[?]';
  return v.kind === 'tensor' ? `${v.name}: ${v.elemType ?? '?'}${shape}` : `${v.name}: ${v.kind}`;
}

/** Input names, element types, ranks and fixed non-batch sizes: what a row built by one hook must match. */
function inputKey(sig: OnnxSignature): string {
  return sig.inputs
    .map((v) => ({ ...v, dims: v.dims?.map((d, i) => (i === 0 || typeof d !== 'number' ? '*' : d)) }))
    .map(describeInput)
    .sort()
    .join('; ');
}

function outputNames(sig: OnnxSignature, requested: string[] | undefined): string {
  const names = requested ?? sig.outputs.filter((o) => o.kind === 'tensor').map((o) => o.name);
  return [...names].sort().join(', ');
}

/** Every problem between the config and the signatures of the models present; pure. */
export function checkModelSignatures(model: ServiceModel, signatures: ReadonlyMap<string, OnnxSignature>, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  model.models.forEach((m, i) => {
    const sig = signatures.get(m.name);
    if (!sig) return;
    for (const v of sig.inputs.filter((x) => x.kind !== 'tensor')) {
      out.push(
        problem(
          'SIGNATURE.NON_TENSOR_INPUT',
          `model "${m.name}": input "${v.name}" is a ${v.kind}, not a tensor`,
          're-export the model with tensor inputs (onnxruntime-node feeds tensors only)',
          locate(['models', String(i), 'source']),
        ),
      );
    }
    const tensors = new Set(sig.outputs.filter((o) => o.kind === 'tensor').map((o) => o.name));
    (m.outputs ?? []).forEach((name, j) => {
      if (tensors.has(name)) return;
      const have = [...tensors].map((n) => `"${n}"`).join(', ') || 'none';
      out.push(problem('SIGNATURE.UNKNOWN_OUTPUT', `model "${m.name}" has no tensor output "${name}"`, `use one of its tensor outputs: ${have}`, locate(['models', String(i), 'outputs', String(j)])));
    });
    if (!m.outputs && tensors.size === 0) {
      out.push(
        problem(
          'SIGNATURE.NO_TENSOR_OUTPUT',
          `model "${m.name}" has no tensor output`,
          'export the model with at least one tensor output (e.g. skl2onnx zipmap=False)',
          locate(['models', String(i), 'source']),
        ),
      );
    }
  });
  model.endpoints.forEach((e, ei) => abMismatches(model, e.ab, ei, signatures, locate, out));
  return out;
}

function abMismatches(model: ServiceModel, ab: ServiceModel['endpoints'][number]['ab'], ei: number, signatures: ReadonlyMap<string, OnnxSignature>, locate: Locate, out: Diagnostic[]): void {
  if (!ab) return;
  const outputsOf = (name: string) => model.models.find((m) => m.name === name)?.outputs;
  const first = ab.variants.find((v) => signatures.has(v.model));
  if (!first) return;
  const ref = signatures.get(first.model)!;
  ab.variants.forEach((v, vi) => {
    const sig = signatures.get(v.model);
    if (!sig || v === first) return;
    const at = locate(['endpoints', String(ei), 'ab', 'variants', String(vi), 'model']);
    const fix = 'serve models with the same inputs and outputs in one experiment, or split them into two endpoints';
    if (inputKey(sig) !== inputKey(ref)) {
      const msg = `variant "${v.name}" (model "${v.model}") takes inputs {${sig.inputs.map(describeInput).join('; ')}} but variant "${first.name}" (model "${first.model}") takes {${ref.inputs.map(describeInput).join('; ')}}`;
      out.push(problem('SIGNATURE.AB_MISMATCH', msg, fix, at));
    }
    const [a, b] = [outputNames(sig, outputsOf(v.model)), outputNames(ref, outputsOf(first.model))];
    if (a !== b) out.push(problem('SIGNATURE.AB_MISMATCH', `variant "${v.name}" returns outputs [${a}] but variant "${first.name}" returns [${b}]`, fix, at));
  });
}
