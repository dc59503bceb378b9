/**
 * How CI logs in to the image registry named in `deploy.image.registry`:
 * - Amazon ECR (`<account>.dkr.ecr.<region>.amazonaws.com`): an IAM role assumed through GitHub's
 *   OIDC token (configure-aws-credentials), then amazon-ecr-login;
 * - GitHub Container Registry (`ghcr.io`): the workflow's own token with `packages: write`;
 * - any other registry: docker/login-action with a username variable and a password secret.
 * @see https://github.com/aws-actions/configure-aws-credentials#oidc
 * @see https://docs.github.com/packages/managing-github-packages-using-github-actions-workflows/publishing-and-installing-a-package-with-github-actions
 */
import type { ServiceModel } from '../config/model.js';
import { gh, plain } from './workflows-yaml.js';

export const REGISTRY_ACTIONS = {
  awsCredentials: 'aws-actions/configure-aws-credentials@v4',
  ecrLogin: 'aws-actions/amazon-ecr-login@v2',
  dockerLogin: 'docker/login-action@v3',
} as const;

const ECR_HOST = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

export type RegistryKind = 'ecr' | 'ghcr' | 'other';

export function registryKind(registry: string): RegistryKind {
  if (ECR_HOST.test(registry)) return 'ecr';
  return registry === 'ghcr.io' ? 'ghcr' : 'other';
}

/** `<account>.dkr.ecr.<region>.amazonaws.com` -> region; otherwise the AWS_REGION variable. */
export function ecrRegion(registry: string): string {
  const m = ECR_HOST.exec(registry);
  return m ? m[1]! : gh('vars.AWS_REGION');
}

/** Token permissions the deploy job needs (a calling job must grant the same). */
export function registryPermissions(m: ServiceModel): Record<string, string> {
  const kind = registryKind(m.deploy.image.registry);
  if (kind === 'ecr') return { contents: 'read', 'id-token': 'write' };
  if (kind === 'ghcr') return { contents: 'read', packages: 'write' };
  return { contents: 'read' };
}

export function registryLoginSteps(m: ServiceModel): object[] {
  const registry = plain(m.deploy.image.registry, 'registry');
  switch (registryKind(registry)) {
    case 'ecr':
      return [
        {
          name: 'AWS credentials',
          uses: REGISTRY_ACTIONS.awsCredentials,
          with: { 'role-to-assume': gh('vars.AWS_ROLE_ARN'), 'aws-region': ecrRegion(registry) },
        },
        { name: 'Log in to ECR', uses: REGISTRY_ACTIONS.ecrLogin },
      ];
    case 'ghcr':
      return [
        {
          name: 'Log in to GitHub Container Registry',
          uses: REGISTRY_ACTIONS.dockerLogin,
          with: { registry, username: gh('github.actor'), password: gh('secrets.GITHUB_TOKEN') },
        },
      ];
    default:
      return [
        {
          name: 'Log in to the registry',
          uses: REGISTRY_ACTIONS.dockerLogin,
          with: { registry, username: gh('vars.REGISTRY_USERNAME'), password: gh('secrets.REGISTRY_PASSWORD') },
        },
      ];
  }
}

/** Header lines naming the repository settings the login needs. */
export function registrySettingsHelp(m: ServiceModel): string[] {
  switch (registryKind(m.deploy.image.registry)) {
    case 'ecr':
      return ['  vars.AWS_ROLE_ARN          IAM role with ECR push rights (assumed through GitHub OIDC)'];
    case 'ghcr':
      return ['  (ghcr.io: the workflow token with packages:write pushes the image)'];
    default:
      return ['  vars.REGISTRY_USERNAME, secrets.REGISTRY_PASSWORD  push credentials for ' + m.deploy.image.registry];
  }
}
