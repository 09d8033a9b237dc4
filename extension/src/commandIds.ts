/**
 * Command ids. package.json `contributes.commands` lists the same ids (checked by a unit test);
 * vscode-free so that test can import it.
 */
export const CommandIds = {
  explainSelection: 'tandem.explainSelection',
  openPerformancePanel: 'tandem.openPerformancePanel',
  setOffloadApiKey: 'tandem.setOffloadApiKey',
  clearOffloadApiKey: 'tandem.clearOffloadApiKey',
  restartServer: 'tandem.restartServer',
  showLog: 'tandem.showLog',
  runBenchmark: 'tandem.runBenchmark',
  /** Internal: the command on every inline completion item, run by VS Code after a full accept. */
  didAcceptCompletion: 'tandem.didAcceptCompletion',
} as const;
