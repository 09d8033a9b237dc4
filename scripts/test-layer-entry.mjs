// One test layer in one process (see scripts/run-tests.mjs, which passes the files in
// $TANDEM_TEST_FILES as a JSON array of absolute paths): imports every test file in order;
// node:test runs their top-level tests one after another as they register.
import { after, test } from 'node:test';
import { createRequire } from 'node:module';
import { relative } from 'node:path';

/** How long the process may outlive its last test before the handles keeping it alive count as a leak. */
const LINGER_MS = 5000;

const files = /** @type {string[]} */ (JSON.parse(process.env.TANDEM_TEST_FILES ?? '[]'));

// A server, socket, child process or ref'd timer that a test leaves open keeps the process alive
// after the last test: fail, naming what is still open, rather than hang or exit silently.
after(() => {
  setTimeout(() => {
    process.stderr.write(
      `\nThe test process is still alive ${LINGER_MS} ms after its last test. Open resources ` +
        `(two PipeWraps are the runner's own stdout/stderr): ${process.getActiveResourcesInfo().join(', ')}\n` +
        'Close what the test started (servers, clients, child processes, intervals) in its after/afterEach.\n',
    );
    process.exit(1);
  }, LINGER_MS).unref();
});

// Tree-sitter grammars load asynchronously the first time any code asks for a parser, so without
// this a test's cursor facts depended on whether an earlier file (or an earlier test) had already
// loaded them. Loaded up front, every test sees what the server sees moments after it starts.
// require, not import(): test files load as CommonJS, as they do when node runs one directly. Through
// import(), packages with both builds (@huggingface/transformers) loaded a second copy next to the
// CommonJS one, and two copies of onnxruntime-node's binding in one process crash it.
const require = createRequire(import.meta.url);
await require('../server/src/completion/syntax/grammars.ts').loadGrammars();

for (const file of files) {
  try {
    require(file);
  } catch (error) {
    // A file that fails to load is one failing test, and the other files still run.
    test(`${relative(process.cwd(), file)} loads`, () => {
      throw error;
    });
  }
}
