// Path classification shared by the metrics, the scorer's reasons and the diff packer.
import picomatch from 'picomatch';

/** Paths whose changes deserve a senior's eye even when small (schema, auth, infra, CI, supply chain). */
export const DEFAULT_SENSITIVE_PATHS = [
  '**/migrations/**',
  '**/migrate/**',
  '**/*.sql',
  '**/auth/**',
  '**/*auth*.*',
  '**/security/**',
  '**/crypto/**',
  '**/infra/**',
  '**/terraform/**',
  '**/*.tf',
  '**/*.tfvars',
  '**/helm/**',
  '**/k8s/**',
  '**/kubernetes/**',
  '.github/workflows/**',
  '.gitlab-ci.yml',
  '.circleci/**',
  'Jenkinsfile',
  '**/Dockerfile',
  '**/Dockerfile.*',
  '**/docker-compose*.yml',
  '**/.env*',
  'CODEOWNERS',
  '.github/CODEOWNERS',
];

const MANIFESTS = [
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'go.mod',
  'go.sum',
  'requirements*.txt',
  'Pipfile',
  'Pipfile.lock',
  'pyproject.toml',
  'poetry.lock',
  'uv.lock',
  'setup.py',
  'setup.cfg',
  'Cargo.toml',
  'Cargo.lock',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'gradle.lockfile',
  'Gemfile',
  'Gemfile.lock',
  'composer.json',
  'composer.lock',
  'mix.exs',
  'mix.lock',
  '*.csproj',
  'packages.lock.json',
];
const LOCKS = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'go.sum',
  'Pipfile.lock',
  'poetry.lock',
  'uv.lock',
  'Cargo.lock',
  'gradle.lockfile',
  'Gemfile.lock',
  'composer.lock',
  'mix.lock',
  'packages.lock.json',
];

const isManifestName = picomatch(MANIFESTS);
const isLockName = picomatch(LOCKS);
const isTestPath = picomatch(
  [
    '**/test/**',
    '**/tests/**',
    '**/__tests__/**',
    '**/spec/**',
    '**/*.test.*',
    '**/*.spec.*',
    '**/*_test.*',
    '**/test_*.*',
    '**/*Test.java',
    '**/*Tests.cs',
  ],
  { dot: true },
);
const isDocPath = picomatch(['**/*.md', '**/*.mdx', '**/*.rst', '**/*.txt', 'docs/**', '**/LICENSE*'], { dot: true });

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function isDependencyManifest(path: string): boolean {
  return isManifestName(baseName(path));
}

export function isLockFile(path: string): boolean {
  return isLockName(baseName(path));
}

export function isTestFile(path: string): boolean {
  return isTestPath(path);
}

/** Code = what can break at run time: not tests, not docs. */
export function isCodeFile(path: string): boolean {
  return !isTestFile(path) && !isDocPath(path);
}

/** A matcher for the configured (or default) sensitive globs; `dot` so `.github/**` and `.env` match. */
export function sensitiveMatcher(globs: string[] | undefined): (path: string) => boolean {
  const list = globs?.length ? globs : DEFAULT_SENSITIVE_PATHS;
  return picomatch(list, { dot: true });
}

/** Directory of a path ('' for top-level files). */
export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Subsystem of a path: Kamei et al. use the root directory. For `src/<x>/…` layouts the root directory is the
 * same for everything, so we take two levels under conventional source roots (src/billing, lib/auth, packages/web).
 */
const SOURCE_ROOTS = new Set(['src', 'lib', 'packages', 'apps', 'services', 'pkg', 'internal', 'cmd']);

export function subsystemOf(path: string): string {
  const [root = '', second, ...rest] = path.split('/');
  if (second === undefined) return '.';
  if (SOURCE_ROOTS.has(root) && rest.length > 0) return `${root}/${second}`;
  return root;
}
