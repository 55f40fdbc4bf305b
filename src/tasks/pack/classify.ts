// Which changed files are worth sending to a model: lock files, vendored and generated code, and binaries are
// summarised in one line each instead (they cost tokens and say little about the change's risk).
import picomatch from 'picomatch';
import { isLockFile } from '../risk/paths.js';

export type SkipReason = 'lock file' | 'vendored' | 'generated' | 'binary';

const vendored = picomatch(
  [
    '**/vendor/**',
    'vendor/**',
    '**/node_modules/**',
    '**/dist/**',
    '**/build/**',
    '**/third_party/**',
    '**/third-party/**',
    '**/bower_components/**',
    '**/.yarn/**',
  ],
  { dot: true },
);
const generated = picomatch(
  [
    '**/*.min.js',
    '**/*.min.css',
    '**/*.map',
    '**/*.pb.go',
    '**/*_pb2.py',
    '**/*_pb2_grpc.py',
    '**/*.pb.ts',
    '**/*.generated.*',
    '**/*.g.dart',
    '**/__generated__/**',
    '**/generated/**',
    '**/*.snap',
    '**/*.lock.json',
    '**/schema.graphql.json',
  ],
  { dot: true },
);
const BINARY_EXT =
  /\.(png|jpe?g|gif|webp|ico|bmp|tiff?|pdf|zip|gz|tgz|bz2|xz|7z|rar|jar|war|class|exe|dll|so|dylib|a|o|bin|wasm|woff2?|ttf|otf|eot|mp3|mp4|mov|avi|webm|ogg|wav|sqlite|db|pyc)$/i;

export function skipReason(f: {
  filename: string;
  patch?: string;
  additions: number;
  deletions: number;
  binary?: boolean;
}): SkipReason | undefined {
  if (isLockFile(f.filename)) return 'lock file';
  if (vendored(f.filename)) return 'vendored';
  if (generated(f.filename)) return 'generated';
  if (f.binary || BINARY_EXT.test(f.filename)) return 'binary';
  // GitHub omits `patch` for binary files; a text file with changes but no patch is one too large to diff.
  if (f.patch === undefined && f.additions + f.deletions === 0) return 'binary';
  return undefined;
}
