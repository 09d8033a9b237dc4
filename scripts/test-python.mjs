// `npm run test:python`: the training code's pytest suite (models/training/tests), with the
// interpreter in $TANDEM_PYTHON, else python3. Without that interpreter or without pytest in it,
// prints one skip line and exits 0: the TypeScript build and tests do not need Python. Tests that
// need torch or onnx skip themselves with a reason when those are absent (models/training/README.md
// says how to install them).
//
// Leaves nothing behind in the work tree: no __pycache__ (PYTHONDONTWRITEBYTECODE), no .pytest_cache.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const python = process.env.TANDEM_PYTHON || 'python3';
const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

const probe = spawnSync(python, ['-c', 'import pytest, sys; print(sys.version.split()[0], pytest.__version__)'], { env, encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  const why = probe.error ? `${python} not found` : `pytest is not installed for ${python}`;
  console.log(`test:python: skipped: ${why} (models/training/README.md, "Environment", says how to set one up)`);
  process.exit(0);
}
const [pythonVersion, pytestVersion] = probe.stdout.trim().split(' ');
console.log(`test:python: ${python} ${pythonVersion}, pytest ${pytestVersion}`);

const run = spawnSync(python, ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rs', 'models/training/tests'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
