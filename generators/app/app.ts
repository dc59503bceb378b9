import { existsSync } from 'node:fs';
import pc from 'picocolors';
import Generator from 'yeoman-generator';
import { runSync } from '../../src/cli/commands/sync.js';
import { CONFIG_FILE } from '../../src/config/file.js';
import { checkStarter, DEFAULT_AB_WEIGHT, DEFAULT_FIELDS, defaultModelSource, defaultServiceName, type StarterFlags, starterAnswers, starterFile } from '../../src/scaffold/starter.js';

interface Answers {
  name?: string;
  modelSource?: string;
  fields?: string;
  ab?: boolean;
  abModelSource?: string;
  abWeight?: number;
}

/**
 * `yo mlservice`: asks for the few things a first mlservice.yaml needs, writes it, then runs the
 * same sync core as `mlgen sync`. It never writes generated files through Yeoman's mem-fs: the
 * sync engine is the only writer of generated output, so the manifest stays the truth.
 * Every prompt has a flag; `--yes` takes the defaults for the rest (non-interactive use). Defaults
 * and checks are `mlgen init`'s (src/scaffold/starter.ts): a bad answer is refused before anything
 * is written, with the error `mlgen init` prints.
 */
export default class MlserviceGenerator extends Generator {
  /** The starter config to write; undefined when the project has one already (then it is only synced). */
  private text: string | undefined;

  constructor(args: string[], options: Record<string, unknown>) {
    super(args, options as never);
    this.option('name', { type: String, description: 'Service name (DNS-1123 label); default: the directory name' });
    this.option('model', { type: String, description: 'First model source, e.g. models:/my-model/1 or models/m/model.onnx; default: models:/<name>/1' });
    this.option('fields', { type: String, description: `Input fields as name:type,... (number, integer, string, boolean, number[], integer[]); default: ${DEFAULT_FIELDS}` });
    this.option('ab-model', { type: String, description: 'Treatment model source: adds a sticky A/B split' });
    this.option('ab-weight', { type: Number, description: `Treatment weight in percent; default: ${DEFAULT_AB_WEIGHT}` });
    this.option('ab-unit', { type: String, description: 'Input field that keeps A/B assignment sticky' });
    this.option('yes', { type: Boolean, description: 'Accept defaults for every prompt not given as a flag' });
  }

  async prompting(): Promise<void> {
    if (existsSync(this.destinationPath(CONFIG_FILE))) return;
    const o = this.options as Record<string, unknown>;
    const dir = this.destinationRoot();
    const str = (key: string): string | undefined => (typeof o[key] === 'string' ? (o[key] as string) : undefined);
    const flags: StarterFlags = {
      name: str('name'),
      model: str('model'),
      fields: str('fields'),
      abModel: str('ab-model'),
      abWeight: typeof o['ab-weight'] === 'number' ? (o['ab-weight'] as number) : undefined,
      abUnit: str('ab-unit'),
    };
    const ask = (key: string): boolean => o.yes !== true && o[key] === undefined;
    const nameOf = (x: Answers) => flags.name ?? x.name ?? defaultServiceName(dir);
    const a = await this.prompt<Answers>([
      { type: 'input', name: 'name', message: 'Service name', default: defaultServiceName(dir), when: ask('name'), validate: (v: string) => checkStarter(dir, { name: v }) },
      {
        type: 'input',
        name: 'modelSource',
        message: 'First model source (MLflow URI, local path or https URL)',
        default: (x: Answers) => defaultModelSource(nameOf(x)),
        when: ask('model'),
        validate: (v: string) => checkStarter(dir, { model: v }),
      },
      { type: 'input', name: 'fields', message: 'Input fields (name:type, comma separated)', default: DEFAULT_FIELDS, when: ask('fields'), validate: (v: string) => checkStarter(dir, { fields: v }) },
      { type: 'confirm', name: 'ab', message: 'Add an A/B split with a second model?', default: false, when: ask('ab-model') },
      { type: 'input', name: 'abModelSource', message: 'Treatment model source', when: (x: Answers) => x.ab === true },
      { type: 'number', name: 'abWeight', message: 'Treatment weight (percent)', default: DEFAULT_AB_WEIGHT, when: (x: Answers) => x.ab === true },
    ]);
    // Throws the loader's DiagnosticError for answers it refuses; yo prints it and writes nothing.
    this.text = starterFile(
      starterAnswers(dir, {
        name: flags.name ?? a.name,
        model: flags.model ?? a.modelSource,
        fields: flags.fields ?? a.fields,
        abModel: flags.abModel ?? a.abModelSource,
        abWeight: flags.abWeight ?? a.abWeight,
        abUnit: flags.abUnit,
      }),
    );
  }

  writing(): void {
    if (this.text === undefined) {
      this.log(`${CONFIG_FILE} exists; keeping it (run \`mlgen sync\` to regenerate from it)`);
      return;
    }
    this.fs.write(this.destinationPath(CONFIG_FILE), this.text);
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
