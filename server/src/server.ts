/**
 * Entry point of the language server bundle (dist/server.js). VS Code starts it over IPC;
 * other editors run `node dist/server.js --stdio` (or `tandem serve`).
 */
import { runServerFromArgv } from './lspServer';

runServerFromArgv();
