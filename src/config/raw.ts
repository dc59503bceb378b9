/**
 * The shape of mlservice.yaml as written (before defaults), generated from
 * `schemas/mlservice.schema.json` into raw.generated.ts (`npm run types:config`; a test fails when
 * it is stale). Only trusted for subtrees that passed schema validation; the semantic rules check
 * that before they read a field.
 */
import type { Ab, Batching, Endpoint, MlserviceYaml, Model } from './raw.generated.js';

/**
 * json-schema-to-typescript does not read `if`/`then`, so two `then: {const: ...}` of the schema
 * are put back here: `batching` is an object or `false`, a string `missingUnit` is "reject".
 */
type Settings<T> = Exclude<T, string | boolean>;
export type RawAb = Omit<Ab, 'missingUnit'> & { missingUnit?: 'reject' | Settings<Ab['missingUnit']> };
export type RawEndpoint = Omit<Endpoint, 'ab' | 'batching'> & { ab?: RawAb; batching?: false | Settings<Batching> };
export type RawConfig = Omit<MlserviceYaml, 'endpoints'> & { endpoints: RawEndpoint[] };
export type RawModel = Model;
export type RawDeploy = RawConfig['deploy'];

// The narrowed types only narrow: each is still assignable to what the schema generates.
type Narrows<A extends B, B> = A;
type _Checked = [Narrows<RawAb, Ab>, Narrows<RawEndpoint, Endpoint>, Narrows<RawConfig, MlserviceYaml>];
