/**
 * A stand-in for Spinnaker's gate (with front50 behind it) and Kayenta, implementing exactly the
 * contract `mlgen spinnaker install` relies on, as the sources define it (spinnaker/spinnaker
 * monorepo). Not a Spinnaker: tests against it are contract tests.
 * - gate ApplicationController `GET /applications/{app}/pipelineConfigs/{name}`: the stored
 *   pipeline; not found = 404 (current gate) or 200 with an empty body (older gates; `spin
 *   pipeline save` handles both), chosen by `missingPipeline`.
 * - gate PipelineController `POST /pipelines` -> orca savePipeline -> front50
 *   PipelineController.save: `application` and `name` must not be blank (name trimmed); a pipeline
 *   of the same name (case-insensitive) in the application under another id is refused ("A
 *   pipeline with name %s already exists in application %s"); no id = a random UUID; otherwise the
 *   pipeline is stored under its id (created or replaced). A failed task is a 400 from gate.
 * - Kayenta CanaryConfigController, also through gate's V2CanaryConfigController (`/v2` prefix):
 *   `GET /canaryConfig/{id}` (404 when absent), `POST /canaryConfig` (no id = random UUID; an
 *   existing id is refused: "Canary config '<id>' already exists."), `PUT /canaryConfig/{id}` (an
 *   absent id is refused: "... does not exist."); both refuse an empty name, a name outside
 *   [A-Za-z0-9_-], no applications, and a name another config uses for one of the same
 *   applications (storage checkForDuplicateCanaryConfig). IllegalArgumentException -> 400.
 * - Either server answers 401 without the expected bearer token, when one is set.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

type Json = Record<string, any>;

export interface StubOptions {
  missingPipeline?: 404 | 'empty';
  token?: string;
}

export interface Stub {
  url: string;
  pipelines: Map<string, Json>;
  canaryConfigs: Map<string, Json>;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NAME_PATTERN = /^[A-Za-z0-9_-]*$/;

export async function startSpinnakerStub(opts: StubOptions = {}): Promise<Stub> {
  const pipelines = new Map<string, Json>();
  const canaryConfigs = new Map<string, Json>();
  const requests: string[] = [];
  let clock = 1_700_000_000_000;

  function savePipeline(body: Json): void {
    if (!body.application || !String(body.name ?? '').trim()) throw new Refused(400, 'A pipeline requires name and application fields');
    const name = String(body.name).trim();
    const id = body.id ? String(body.id) : randomUUID();
    for (const p of pipelines.values()) {
      if (p.application === body.application && String(p.name).toLowerCase() === name.toLowerCase() && p.id !== id) {
        throw new Refused(400, `A pipeline with name ${name} already exists in application ${body.application}`);
      }
    }
    pipelines.set(id, { ...body, id, name, updateTs: String(clock++), lastModifiedBy: 'anonymous' });
  }

  function validateCanary(config: Json, id: string): void {
    if (!config.name) throw new Refused(400, 'Canary config must specify a name.');
    if (!Array.isArray(config.applications) || config.applications.length === 0) throw new Refused(400, 'Canary config must specify at least one application.');
    if (!NAME_PATTERN.test(config.name)) throw new Refused(400, `Canary config cannot be named '${config.name}'. Names must contain only letters, numbers, dashes (-) and underscores (_).`);
    for (const c of canaryConfigs.values()) {
      if (c.id !== id && c.name === config.name && (c.applications as string[]).some((a) => config.applications.includes(a))) {
        throw new Refused(400, `Canary config with name '${config.name}' already exists in the scope of applications ${JSON.stringify(config.applications)}.`);
      }
    }
  }

  function route(method: string, path: string, body: Json | undefined): [number, unknown] {
    const pipelineGet = /^\/applications\/([^/]+)\/pipelineConfigs\/([^/]+)$/.exec(path);
    if (method === 'GET' && pipelineGet) {
      const [app, name] = [decodeURIComponent(pipelineGet[1]!), decodeURIComponent(pipelineGet[2]!)];
      const found = [...pipelines.values()].find((p) => p.application === app && p.name === name);
      if (found) return [200, found];
      return opts.missingPipeline === 'empty' ? [200, undefined] : [404, { message: `Pipeline config (id: ${name}) not found for Application (id: ${app})` }];
    }
    if (method === 'POST' && path === '/pipelines') {
      savePipeline(body ?? {});
      return [200, undefined];
    }
    const canary = /^(?:\/v2)?\/canaryConfig(?:\/([^/]+))?$/.exec(path);
    if (canary) {
      const id = canary[1] ? decodeURIComponent(canary[1]) : undefined;
      if (method === 'GET' && id) return canaryConfigs.has(id) ? [200, canaryConfigs.get(id)] : [404, { message: `No canary config found for id ${id}` }];
      if (method === 'POST' && !id) {
        const newId = body?.id ? String(body.id) : randomUUID();
        validateCanary(body ?? {}, newId);
        if (canaryConfigs.has(newId)) throw new Refused(400, `Canary config '${newId}' already exists.`);
        const now = clock++;
        canaryConfigs.set(newId, { ...body, id: newId, createdTimestamp: now, updatedTimestamp: now });
        return [200, { canaryConfigId: newId }];
      }
      if (method === 'PUT' && id) {
        validateCanary(body ?? {}, id);
        const old = canaryConfigs.get(id);
        if (!old) throw new Refused(400, `Canary config '${id}' does not exist.`);
        canaryConfigs.set(id, { ...body, id, createdTimestamp: old.createdTimestamp, updatedTimestamp: clock++ });
        return [200, { canaryConfigId: id }];
      }
    }
    return [404, { message: `no route ${method} ${path}` }];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://stub').pathname;
    requests.push(`${req.method} ${path}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { message: 'Full authentication is required' });
    try {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json) : undefined;
      const [status, payload] = route(req.method ?? 'GET', path, body);
      send(status, payload);
    } catch (e) {
      if (e instanceof Refused) send(e.status, { error: 'Bad Request', message: e.message, status: e.status });
      else send(500, { message: String(e) });
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    pipelines,
    canaryConfigs,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
