import { existsSync } from 'node:fs';
import path from 'node:path';
import Generator from 'yeoman-generator';
import { renderStarterConfig, type StarterAnswers } from '../../src/scaffold/starter-config.js';
import pc from 'picocolors';
import { runSync } from '../../src/cli/commands/sync.js';
import { CONFIG_FILE } from '../../src/config/file.js';

interface Answers {
  name?: string;
  modelSource?: string;
  fields?: string;
  ab?: boolean;
  abModelSource?: string;
  abWeight?: number;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,51}[a-z0-9])?$/;

/**
 * `yo mlservice`: asks for the few things a first mlservice.yaml needs, writes it, then runs the
 * same sync core as `mlgen sync`. It never writes generated files through Yeoman's mem-fs: the
 * sync engine is the only writer of generated output, so the manifest stays the truth.
 * Every prompt has a flag; `--yes` takes the defaults for the rest (non-interactive use).
 */
export default class MlserviceGenerator extends Generator {
  private answers!: StarterAnswers;

  constructor(args: string[], options: Record<string, unknown>) {
    super(args, options as never);
    this.option('name', { type: String, description: 'Service name (DNS-1123 label)' });
    this.option('model', { type: String, description: 'First model source, e.g. models:/my-model/1 or models/m/model.onnx' });
    this.option('fields', { type: String, description: 'Input fields as name:type,... (number, integer, string, boolean, number[], integer[])' });
    this.option('ab-model', { type: String, description: 'Treatment model source: adds a sticky A/B split' });
    this.option('ab-weight', { type: Number, description: 'Treatment weight in percent (default 10)' });
    this.option('ab-unit', { type: String, description: 'Input field that keeps A/B assignment sticky' });
    this.option('yes', { type: Boolean, description: 'Accept defaults for every prompt not given as a flag' });
  }

  async prompting(): Promise<void> {
    const o = this.options as Record<string, unknown>;
    const useDefaults = o.yes === true;
    const ask = (key: string): boolean => !useDefaults && o[key] === undefined;
    const defaultName = path.basename(this.destinationRoot()).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'my-service';
    const a = await this.prompt<Answers>([
      {
        type: 'input', name: 'name', message: 'Service name', default: defaultName, when: ask('name'),
        validate: (v: string) => DNS_LABEL.test(v) || 'use lowercase letters, digits and "-", start with a letter, at most 53 characters',
      },
      { type: 'input', name: 'modelSource', message: 'First model source (MLflow URI, local path or https URL)', default: `models:/${defaultName}/1`, when: ask('model') },
      { type: 'input', name: 'fields', message: 'Input fields (name:type, comma separated)', default: 'user_id:string,age:number,score:number', when: ask('fields') },
      { type: 'confirm', name: 'ab', message: 'Add an A/B split with a second model?', default: false, when: ask('ab-model') },
      { type: 'input', name: 'abModelSource', message: 'Treatment model source', when: (x: Answers) => x.ab === true },
      { type: 'number', name: 'abWeight', message: 'Treatment weight (percent)', default: 10, when: (x: Answers) => x.ab === true },
    ]);
    const str = (key: string): string | undefined => (typeof o[key] === 'string' ? (o[key] as string) : undefined);
    this.answers = {
      name: str('name') ?? a.name ?? defaultName,
      modelSource: str('model') ?? a.modelSource ?? `models:/${defaultName}/1`,
      fields: (str('fields') ?? a.fields ?? 'user_id:string,age:number,score:number').split(','),
      abModelSource: str('ab-model') ?? a.abModelSource,
      abWeight: typeof o['ab-weight'] === 'number' ? (o['ab-weight'] as number) : a.abWeight,
      abUnit: str('ab-unit'),
    };
  }

  writing(): void {
    const target = this.destinationPath(CONFIG_FILE);
    if (existsSync(target)) {
      this.log(`mlservice.yaml exists; keeping it (run \`mlgen sync\` to regenerate from it)`);
      return;
    }
    const schemaRef = './node_modules/generator-mlservice/schemas/mlservice.schema.json';
    this.fs.write(target, renderStarterConfig(this.answers, schemaRef));
  }

  /** Runs after Yeoman committed mlservice.yaml to disk. */
  async end(): Promise<void> {
    const io = {
      out: (t: string) => this.log(t),
      err: (t: string) => this.log(t),
      color: pc.createColors(false),
      cwd: this.destinationRoot(),
      env: process.env,
      tty: false,
    };
    const code = await runSync(this.destinationRoot(), {}, io);
    if (code !== 0) throw new Error(`mlgen sync failed with exit code ${code}; fix mlservice.yaml and run \`mlgen sync\``);
  }
}
